//! Events: anything the centre must close, with their "grid + N" categories, severities and sources.

use crate::worker::BusinessLine;

/// Sub-types of disputes (矛盾纠纷).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DisputeKind {
    /// 山林土地水利.
    LandForestWater,
    /// 邻里.
    Neighbours,
    /// 婚姻家庭.
    Family,
    /// 劳资欠薪.
    LabourWages,
    /// 其他.
    Other,
}

/// The "grid + N" category taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Dispute(DisputeKind),
    PublicOrder,
    Fire,
    Safety,
    MedicalInsurance,
    Weather,
    Petition,
    AntiCult,
    AntiDrug,
    AntiFraud,
    Livelihood,
    Environment,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::Dispute(DisputeKind::LandForestWater),
        Category::Dispute(DisputeKind::Neighbours),
        Category::Dispute(DisputeKind::Family),
        Category::Dispute(DisputeKind::LabourWages),
        Category::Dispute(DisputeKind::Other),
        Category::PublicOrder,
        Category::Fire,
        Category::Safety,
        Category::MedicalInsurance,
        Category::Weather,
        Category::Petition,
        Category::AntiCult,
        Category::AntiDrug,
        Category::AntiFraud,
        Category::Livelihood,
        Category::Environment,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Category::Dispute(DisputeKind::LandForestWater) => "dispute.land",
            Category::Dispute(DisputeKind::Neighbours) => "dispute.neighbours",
            Category::Dispute(DisputeKind::Family) => "dispute.family",
            Category::Dispute(DisputeKind::LabourWages) => "dispute.wages",
            Category::Dispute(DisputeKind::Other) => "dispute.other",
            Category::PublicOrder => "public_order",
            Category::Fire => "fire",
            Category::Safety => "safety",
            Category::MedicalInsurance => "medical_insurance",
            Category::Weather => "weather",
            Category::Petition => "petition",
            Category::AntiCult => "anti_cult",
            Category::AntiDrug => "anti_drug",
            Category::AntiFraud => "anti_fraud",
            Category::Livelihood => "livelihood",
            Category::Environment => "environment",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Category::Dispute(DisputeKind::LandForestWater) => "矛盾纠纷·山林土地水利",
            Category::Dispute(DisputeKind::Neighbours) => "矛盾纠纷·邻里",
            Category::Dispute(DisputeKind::Family) => "矛盾纠纷·婚姻家庭",
            Category::Dispute(DisputeKind::LabourWages) => "矛盾纠纷·劳资欠薪",
            Category::Dispute(DisputeKind::Other) => "矛盾纠纷·其他",
            Category::PublicOrder => "社会治安",
            Category::Fire => "消防火情",
            Category::Safety => "安全隐患",
            Category::MedicalInsurance => "医保服务",
            Category::Weather => "气象灾害",
            Category::Petition => "信访",
            Category::AntiCult => "反邪教",
            Category::AntiDrug => "禁毒",
            Category::AntiFraud => "反诈",
            Category::Livelihood => "民生服务",
            Category::Environment => "生态环境",
        }
    }

    /// Accepts the key or the Chinese name.
    pub fn parse(text: &str) -> Option<Category> {
        let text = text.trim();
        Category::ALL.into_iter().find(|c| c.key() == text || c.name_zh() == text)
    }

    pub fn is_dispute(self) -> bool {
        matches!(self, Category::Dispute(_))
    }

    /// The business line a worker needs to take this category on.
    pub fn required_skill(self) -> BusinessLine {
        match self {
            Category::Dispute(_) => BusinessLine::Mediation,
            Category::PublicOrder => BusinessLine::PublicOrder,
            Category::Fire => BusinessLine::FireSafety,
            Category::Safety => BusinessLine::WorkSafety,
            Category::MedicalInsurance => BusinessLine::MedicalInsurance,
            Category::Weather => BusinessLine::Emergency,
            Category::Petition => BusinessLine::Petition,
            Category::AntiCult => BusinessLine::AntiCult,
            Category::AntiDrug => BusinessLine::AntiDrug,
            Category::AntiFraud => BusinessLine::AntiFraud,
            Category::Livelihood => BusinessLine::Livelihood,
            Category::Environment => BusinessLine::Environment,
        }
    }
}

/// Severity, from 一般 (1) to 特别重大 (4), as in the national emergency grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    General = 1,
    Serious = 2,
    Major = 3,
    Extreme = 4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::General, Severity::Serious, Severity::Major, Severity::Extreme];

    pub fn level(self) -> i64 {
        self as i64
    }

    pub fn from_level(level: i64) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.level() == level)
    }

    /// The wire name (MQTT tasks, JSON).
    pub fn key(self) -> &'static str {
        match self {
            Severity::General => "general",
            Severity::Serious => "serious",
            Severity::Major => "major",
            Severity::Extreme => "extreme",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Severity::General => "一般",
            Severity::Serious => "较大",
            Severity::Major => "重大",
            Severity::Extreme => "特别重大",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        let text = text.trim();
        text.parse()
            .ok()
            .and_then(Severity::from_level)
            .or_else(|| Severity::ALL.into_iter().find(|s| s.name_zh() == text || s.key() == text))
    }
}

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A grid worker's terminal.
    GridWorker,
    /// A resident's report.
    Resident,
    /// A camera alert turned into an event.
    CameraAlert,
    /// A 12345 hotline or 110 transfer.
    Hotline,
    /// A phone call or walk-in logged by hand at the centre.
    ByHand,
    /// Injected by a drill.
    Drill,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::GridWorker,
        Source::Resident,
        Source::CameraAlert,
        Source::Hotline,
        Source::ByHand,
        Source::Drill,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Source::GridWorker => "grid_worker",
            Source::Resident => "resident",
            Source::CameraAlert => "camera_alert",
            Source::Hotline => "hotline",
            Source::ByHand => "by_hand",
            Source::Drill => "drill",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Source::GridWorker => "网格员上报",
            Source::Resident => "群众上报",
            Source::CameraAlert => "视频告警",
            Source::Hotline => "热线转办",
            Source::ByHand => "来电来访登记",
            Source::Drill => "演练",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        let text = text.trim();
        Source::ALL.into_iter().find(|s| s.key() == text || s.name_zh() == text)
    }
}

/// Where an event stands in the closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Reported,
    Accepted,
    Dispatched,
    Handled,
    Verified,
    Closed,
    Rejected,
    Merged,
    Escalated,
    Parked,
    Voided,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Reported,
        Status::Accepted,
        Status::Dispatched,
        Status::Handled,
        Status::Verified,
        Status::Closed,
        Status::Rejected,
        Status::Merged,
        Status::Escalated,
        Status::Parked,
        Status::Voided,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Accepted => "accepted",
            Status::Dispatched => "dispatched",
            Status::Handled => "handled",
            Status::Verified => "verified",
            Status::Closed => "closed",
            Status::Rejected => "rejected",
            Status::Merged => "merged",
            Status::Escalated => "escalated",
            Status::Parked => "parked",
            Status::Voided => "voided",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Status::Reported => "待受理",
            Status::Accepted => "待派遣",
            Status::Dispatched => "处置中",
            Status::Handled => "待核查",
            Status::Verified => "待结案",
            Status::Closed => "已结案",
            Status::Rejected => "不予受理",
            Status::Merged => "已合并",
            Status::Escalated => "已提级",
            Status::Parked => "挂账",
            Status::Voided => "已作废",
        }
    }

    pub fn from_key(key: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Open events are the centre's work: they stand in the queue. An escalated event has passed to the
    /// county and leaves the township's queue.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Reported
                | Status::Accepted
                | Status::Dispatched
                | Status::Handled
                | Status::Verified
                | Status::Parked
        )
    }

    /// The timed step of the loop the event is waiting on in this status.
    pub fn pending_step(self) -> Option<Step> {
        match self {
            Status::Reported => Some(Step::Accept),
            Status::Accepted => Some(Step::Dispatch),
            Status::Dispatched => Some(Step::Handle),
            Status::Handled => Some(Step::Verify),
            Status::Verified => Some(Step::Close),
            _ => None,
        }
    }
}

/// The timed steps of the six-step loop (report itself starts the clock and has no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Accept,
    Dispatch,
    Handle,
    Verify,
    Close,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Accept, Step::Dispatch, Step::Handle, Step::Verify, Step::Close];

    pub fn key(self) -> &'static str {
        match self {
            Step::Accept => "accept",
            Step::Dispatch => "dispatch",
            Step::Handle => "handle",
            Step::Verify => "verify",
            Step::Close => "close",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Step::Accept => "受理",
            Step::Dispatch => "派遣",
            Step::Handle => "处置",
            Step::Verify => "核查",
            Step::Close => "结案",
        }
    }

    /// Bit of this step in the on-time and late masks kept on each event.
    pub fn bit(self) -> i64 {
        1 << (self as i64)
    }

    pub fn from_key(key: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// How a closed event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Resolved (any category).
    Resolved,
    /// A dispute mediated successfully (调解成功).
    MediatedSuccessfully,
    /// A dispute whose mediation failed (调解不成功), referred on.
    MediationFailed,
    /// The report proved unfounded (误报/无效): a camera's false alarm found out only on the spot, a call
    /// about nothing there. The loop is closed; statistics count it as closed, not as rejected.
    FalseAlarm,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::MediatedSuccessfully => "mediated",
            Outcome::MediationFailed => "mediation_failed",
            Outcome::FalseAlarm => "false_alarm",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Outcome::Resolved => "已办结",
            Outcome::MediatedSuccessfully => "调解成功",
            Outcome::MediationFailed => "调解不成功",
            Outcome::FalseAlarm => "误报/无效",
        }
    }
    pub fn from_key(key: &str) -> Option<Outcome> {
        [Outcome::Resolved, Outcome::MediatedSuccessfully, Outcome::MediationFailed, Outcome::FalseAlarm]
            .into_iter()
            .find(|o| o.key() == key)
    }
}

/// The reporter's or officer's evaluation recorded at close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evaluation {
    Satisfied,
    Acceptable,
    Unsatisfied,
}

impl Evaluation {
    pub fn key(self) -> &'static str {
        match self {
            Evaluation::Satisfied => "satisfied",
            Evaluation::Acceptable => "acceptable",
            Evaluation::Unsatisfied => "unsatisfied",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Evaluation::Satisfied => "满意",
            Evaluation::Acceptable => "基本满意",
            Evaluation::Unsatisfied => "不满意",
        }
    }
    pub fn from_key(key: &str) -> Option<Evaluation> {
        [Evaluation::Satisfied, Evaluation::Acceptable, Evaluation::Unsatisfied]
            .into_iter()
            .find(|e| e.key() == key)
    }
}

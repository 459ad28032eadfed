//! The closed vocabularies of a scenario file: its columns, the kinds of inject and the actions the
//! officers are expected to take. Each word has an English key (for files written by tools, and for the
//! scorecard's JSON) and the Chinese name the commissioner writes; both are accepted.

/// What an inject is: how the item reaches the centre during the drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InjectKind {
    /// 群众上报: a resident's report.
    ResidentReport,
    /// 网格员上报: a grid worker's report from the field.
    WorkerReport,
    /// 视频告警: an alert of a camera on the centre's own video platform.
    CameraAlert,
    /// Frigate告警: an alert of a Frigate NVR.
    FrigateAlert,
    /// 电话: a hotline call the duty officer logs by hand.
    Hotline,
    /// 叫应: a call-up the officers must get answered.
    Callup,
    /// 失联: a named worker who will not answer anything for the rest of the drill.
    Unreachable,
}

impl InjectKind {
    pub const ALL: [InjectKind; 7] = [
        InjectKind::ResidentReport,
        InjectKind::WorkerReport,
        InjectKind::CameraAlert,
        InjectKind::FrigateAlert,
        InjectKind::Hotline,
        InjectKind::Callup,
        InjectKind::Unreachable,
    ];

    pub fn key(self) -> &'static str {
        match self {
            InjectKind::ResidentReport => "resident_report",
            InjectKind::WorkerReport => "worker_report",
            InjectKind::CameraAlert => "camera_alert",
            InjectKind::FrigateAlert => "frigate_alert",
            InjectKind::Hotline => "hotline",
            InjectKind::Callup => "callup",
            InjectKind::Unreachable => "unreachable",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            InjectKind::ResidentReport => "群众上报",
            InjectKind::WorkerReport => "网格员上报",
            InjectKind::CameraAlert => "视频告警",
            InjectKind::FrigateAlert => "Frigate告警",
            InjectKind::Hotline => "电话",
            InjectKind::Callup => "叫应",
            InjectKind::Unreachable => "失联",
        }
    }

    /// Accepts the key or the Chinese name, ignoring case (people write `frigate告警`).
    pub fn parse(text: &str) -> Option<InjectKind> {
        let text = text.trim().to_lowercase();
        InjectKind::ALL.into_iter().find(|k| k.key() == text || k.name_zh().to_lowercase() == text)
    }

    /// An alert must come from a camera the station knows, or it cannot be placed on the map.
    pub(crate) fn needs_camera(self) -> bool {
        matches!(self, InjectKind::CameraAlert | InjectKind::FrigateAlert)
    }

    /// 失联 is about one worker and nothing else.
    pub(crate) fn needs_worker(self) -> bool {
        self == InjectKind::Unreachable
    }

    /// Everything but 失联 becomes an item on the officers' screen and needs words on it.
    pub(crate) fn needs_content(self) -> bool {
        self != InjectKind::Unreachable
    }

    /// Items that become events need a category for their time limits; a call-up and a silent worker
    /// are not events.
    pub(crate) fn needs_category(self) -> bool {
        !matches!(self, InjectKind::Callup | InjectKind::Unreachable)
    }
}

/// A step the officers are expected to take on an inject; the scorecard times each against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExpectedAction {
    /// 受理.
    Accept,
    /// 派遣.
    Dispatch,
    /// 派遣专职: dispatch the grid's full-time worker, not whoever is nearest.
    DispatchFullTime,
    /// 提级: escalate to the county.
    Escalate,
    /// 结案.
    Close,
    /// 叫应: the call-up answered.
    CallupAnswered,
}

impl ExpectedAction {
    pub const ALL: [ExpectedAction; 6] = [
        ExpectedAction::Accept,
        ExpectedAction::Dispatch,
        ExpectedAction::DispatchFullTime,
        ExpectedAction::Escalate,
        ExpectedAction::Close,
        ExpectedAction::CallupAnswered,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ExpectedAction::Accept => "accept",
            ExpectedAction::Dispatch => "dispatch",
            ExpectedAction::DispatchFullTime => "dispatch_full_time",
            ExpectedAction::Escalate => "escalate",
            ExpectedAction::Close => "close",
            ExpectedAction::CallupAnswered => "callup_answered",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ExpectedAction::Accept => "受理",
            ExpectedAction::Dispatch => "派遣",
            ExpectedAction::DispatchFullTime => "派遣专职",
            ExpectedAction::Escalate => "提级",
            ExpectedAction::Close => "结案",
            ExpectedAction::CallupAnswered => "叫应",
        }
    }

    /// Accepts the key (any case) or the Chinese name.
    pub fn parse(text: &str) -> Option<ExpectedAction> {
        let text = text.trim().to_lowercase();
        ExpectedAction::ALL.into_iter().find(|a| a.key() == text || a.name_zh() == text)
    }
}

/// The separators between expected actions in one cell: the enumeration comma people write in Chinese,
/// and the commas and semicolons that Excel users type out of habit.
pub(crate) const ACTION_SEPARATORS: [char; 5] = ['、', ',', '，', ';', '；'];

/// A column of the inject sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Column {
    Seq,
    Time,
    Kind,
    Village,
    Grid,
    Camera,
    Worker,
    Category,
    Severity,
    Content,
    Expected,
    Objective,
}

impl Column {
    pub(crate) const ALL: [Column; 12] = [
        Column::Seq,
        Column::Time,
        Column::Kind,
        Column::Village,
        Column::Grid,
        Column::Camera,
        Column::Worker,
        Column::Category,
        Column::Severity,
        Column::Content,
        Column::Expected,
        Column::Objective,
    ];

    /// The header the format is written with, and the one used for a column that is missing.
    pub(crate) fn header_zh(self) -> &'static str {
        match self {
            Column::Seq => "序号",
            Column::Time => "时间",
            Column::Kind => "类型",
            Column::Village => "村社区",
            Column::Grid => "网格",
            Column::Camera => "摄像头",
            Column::Worker => "人员",
            Column::Category => "类别",
            Column::Severity => "等级",
            Column::Content => "内容",
            Column::Expected => "预期处置",
            Column::Objective => "考核目标",
        }
    }

    /// Other headers meaning the same column, compared after [`normalise_header`]: the English keys, and
    /// the spellings of 村（社区） in township paperwork.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Seq => &["seq", "id"],
            Column::Time => &["time", "offset"],
            Column::Kind => &["kind", "type"],
            Column::Village => &["village", "村（社区）", "村(社区)", "村/社区"],
            Column::Grid => &["grid"],
            Column::Camera => &["camera"],
            Column::Worker => &["worker"],
            Column::Category => &["category"],
            Column::Severity => &["severity"],
            Column::Content => &["content", "title", "text"],
            Column::Expected => &["expected", "expected_actions"],
            Column::Objective => &["objective"],
        }
    }

    /// The columns without which no row can be read.
    pub(crate) fn is_required(self) -> bool {
        matches!(self, Column::Seq | Column::Time | Column::Kind | Column::Village | Column::Content)
    }

    /// The column a header names, if any.
    pub(crate) fn from_header(header: &str) -> Option<Column> {
        let header = normalise_header(header);
        if header.is_empty() {
            return None;
        }
        Column::ALL.into_iter().find(|c| {
            normalise_header(c.header_zh()) == header
                || c.aliases().iter().any(|a| normalise_header(a) == header)
        })
    }

    /// How an English header is described in the missing-column message.
    pub(crate) fn english_keys(self) -> String {
        self.aliases().iter().filter(|a| a.is_ascii()).copied().collect::<Vec<_>>().join(" 或 ")
    }
}

/// Headers are compared without spaces, required-markers (`*`) and case, as township templates mark
/// required columns with a star and Excel users pad headers with spaces.
fn normalise_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '＊')
        .collect::<String>()
        .to_lowercase()
}

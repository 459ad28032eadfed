//! The grid force: full- and part-time grid workers in the "1+3+N" model, with the "六长两员" roles.

use crate::grid::GridCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Employment {
    /// 专职网格员.
    FullTime,
    /// 兼职网格员.
    PartTime,
}

impl Employment {
    pub fn key(self) -> &'static str {
        match self {
            Employment::FullTime => "full_time",
            Employment::PartTime => "part_time",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Employment::FullTime => "专职",
            Employment::PartTime => "兼职",
        }
    }
    pub fn parse(text: &str) -> Option<Employment> {
        match text.trim() {
            "full_time" | "专职" => Some(Employment::FullTime),
            "part_time" | "兼职" => Some(Employment::PartTime),
            _ => None,
        }
    }
}

/// Where a member sits in the "1+3+N" model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForceGroup {
    /// The "1": the full-time grid worker.
    One,
    /// The "3": village cadres, police and auxiliary police, patrol members.
    Three(ThreeKind),
    /// The "N": volunteers, couriers, social workers, village elites.
    N(NKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreeKind {
    VillageCadre,
    Police,
    Patrol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NKind {
    Volunteer,
    Courier,
    SocialWorker,
    VillageElite,
}

impl ForceGroup {
    pub const ALL: [ForceGroup; 8] = [
        ForceGroup::One,
        ForceGroup::Three(ThreeKind::VillageCadre),
        ForceGroup::Three(ThreeKind::Police),
        ForceGroup::Three(ThreeKind::Patrol),
        ForceGroup::N(NKind::Volunteer),
        ForceGroup::N(NKind::Courier),
        ForceGroup::N(NKind::SocialWorker),
        ForceGroup::N(NKind::VillageElite),
    ];

    pub fn key(self) -> &'static str {
        match self {
            ForceGroup::One => "full_time_worker",
            ForceGroup::Three(ThreeKind::VillageCadre) => "village_cadre",
            ForceGroup::Three(ThreeKind::Police) => "police",
            ForceGroup::Three(ThreeKind::Patrol) => "patrol",
            ForceGroup::N(NKind::Volunteer) => "volunteer",
            ForceGroup::N(NKind::Courier) => "courier",
            ForceGroup::N(NKind::SocialWorker) => "social_worker",
            ForceGroup::N(NKind::VillageElite) => "village_elite",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ForceGroup::One => "专职网格员",
            ForceGroup::Three(ThreeKind::VillageCadre) => "村（社区）干部",
            ForceGroup::Three(ThreeKind::Police) => "民警/辅警",
            ForceGroup::Three(ThreeKind::Patrol) => "巡防队员",
            ForceGroup::N(NKind::Volunteer) => "志愿者",
            ForceGroup::N(NKind::Courier) => "快递外卖员",
            ForceGroup::N(NKind::SocialWorker) => "社工",
            ForceGroup::N(NKind::VillageElite) => "乡贤",
        }
    }

    pub fn parse(text: &str) -> Option<ForceGroup> {
        let text = text.trim();
        ForceGroup::ALL.into_iter().find(|g| g.key() == text || g.name_zh() == text)
    }
}

/// The "六长两员" roles a member of the grid force may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForceRole {
    /// 网格长.
    GridLeader,
    /// 党小组长.
    PartyGroupLeader,
    /// 村民小组长.
    VillagerGroupLeader,
    /// 治安中心户长.
    SecurityHouseholdHead,
    /// 妇女小组长.
    WomenGroupLeader,
    /// 楼栋长/户长.
    BuildingHead,
    /// 网格员.
    GridWorker,
    /// 信息员/调解员.
    Mediator,
}

impl ForceRole {
    pub const ALL: [ForceRole; 8] = [
        ForceRole::GridLeader,
        ForceRole::PartyGroupLeader,
        ForceRole::VillagerGroupLeader,
        ForceRole::SecurityHouseholdHead,
        ForceRole::WomenGroupLeader,
        ForceRole::BuildingHead,
        ForceRole::GridWorker,
        ForceRole::Mediator,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ForceRole::GridLeader => "grid_leader",
            ForceRole::PartyGroupLeader => "party_group_leader",
            ForceRole::VillagerGroupLeader => "villager_group_leader",
            ForceRole::SecurityHouseholdHead => "security_household_head",
            ForceRole::WomenGroupLeader => "women_group_leader",
            ForceRole::BuildingHead => "building_head",
            ForceRole::GridWorker => "grid_worker",
            ForceRole::Mediator => "mediator",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ForceRole::GridLeader => "网格长",
            ForceRole::PartyGroupLeader => "党小组长",
            ForceRole::VillagerGroupLeader => "村民小组长",
            ForceRole::SecurityHouseholdHead => "治安中心户长",
            ForceRole::WomenGroupLeader => "妇女小组长",
            ForceRole::BuildingHead => "楼栋长",
            ForceRole::GridWorker => "网格员",
            ForceRole::Mediator => "调解员",
        }
    }

    pub fn parse(text: &str) -> Option<ForceRole> {
        let text = text.trim();
        ForceRole::ALL.into_iter().find(|r| r.key() == text || r.name_zh() == text)
    }
}

/// Business lines (the "N" of "grid + N"); a worker's skills and an event category's requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BusinessLine {
    Mediation,
    PublicOrder,
    FireSafety,
    WorkSafety,
    MedicalInsurance,
    Emergency,
    Petition,
    AntiCult,
    AntiDrug,
    AntiFraud,
    Livelihood,
    Environment,
}

impl BusinessLine {
    pub const ALL: [BusinessLine; 12] = [
        BusinessLine::Mediation,
        BusinessLine::PublicOrder,
        BusinessLine::FireSafety,
        BusinessLine::WorkSafety,
        BusinessLine::MedicalInsurance,
        BusinessLine::Emergency,
        BusinessLine::Petition,
        BusinessLine::AntiCult,
        BusinessLine::AntiDrug,
        BusinessLine::AntiFraud,
        BusinessLine::Livelihood,
        BusinessLine::Environment,
    ];

    pub fn key(self) -> &'static str {
        match self {
            BusinessLine::Mediation => "mediation",
            BusinessLine::PublicOrder => "public_order",
            BusinessLine::FireSafety => "fire_safety",
            BusinessLine::WorkSafety => "work_safety",
            BusinessLine::MedicalInsurance => "medical_insurance",
            BusinessLine::Emergency => "emergency",
            BusinessLine::Petition => "petition",
            BusinessLine::AntiCult => "anti_cult",
            BusinessLine::AntiDrug => "anti_drug",
            BusinessLine::AntiFraud => "anti_fraud",
            BusinessLine::Livelihood => "livelihood",
            BusinessLine::Environment => "environment",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            BusinessLine::Mediation => "矛盾调解",
            BusinessLine::PublicOrder => "治安巡防",
            BusinessLine::FireSafety => "消防安全",
            BusinessLine::WorkSafety => "安全生产",
            BusinessLine::MedicalInsurance => "医保服务",
            BusinessLine::Emergency => "应急防灾",
            BusinessLine::Petition => "信访代办",
            BusinessLine::AntiCult => "反邪教",
            BusinessLine::AntiDrug => "禁毒",
            BusinessLine::AntiFraud => "反诈",
            BusinessLine::Livelihood => "民生服务",
            BusinessLine::Environment => "生态环境",
        }
    }

    pub fn parse(text: &str) -> Option<BusinessLine> {
        let text = text.trim();
        BusinessLine::ALL.into_iter().find(|l| l.key() == text || l.name_zh() == text)
    }
}

/// A member of the grid force.
#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub employment: Employment,
    pub group: ForceGroup,
    pub roles: Vec<ForceRole>,
    pub skills: Vec<BusinessLine>,
    /// Grids this worker answers for; the first is their home grid.
    pub grids: Vec<GridCode>,
    pub party_member: bool,
    /// The OwnTracks user name their phone reports as; defaults to the worker id.
    pub owntracks_user: Option<String>,
}

impl Worker {
    pub fn is_grid_leader(&self) -> bool {
        self.roles.contains(&ForceRole::GridLeader)
    }
}

//! The four registers (四册) kept per grid: grid basics, the grid force, residents, key places.

use crate::grid::GridCode;

/// Tags that mark residents the grid looks after (关爱对象 and 重点人员).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CareTag {
    ElderlyAlone,
    LeftBehindChild,
    Disabled,
    CommunityCorrection,
    SevereMentalIllness,
    LowIncome,
}

impl CareTag {
    pub const ALL: [CareTag; 6] = [
        CareTag::ElderlyAlone,
        CareTag::LeftBehindChild,
        CareTag::Disabled,
        CareTag::CommunityCorrection,
        CareTag::SevereMentalIllness,
        CareTag::LowIncome,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CareTag::ElderlyAlone => "elderly_alone",
            CareTag::LeftBehindChild => "left_behind_child",
            CareTag::Disabled => "disabled",
            CareTag::CommunityCorrection => "community_correction",
            CareTag::SevereMentalIllness => "severe_mental_illness",
            CareTag::LowIncome => "low_income",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CareTag::ElderlyAlone => "独居老人",
            CareTag::LeftBehindChild => "留守儿童",
            CareTag::Disabled => "残疾人",
            CareTag::CommunityCorrection => "社区矫正对象",
            CareTag::SevereMentalIllness => "严重精神障碍患者",
            CareTag::LowIncome => "低保户",
        }
    }

    /// Accepts the key or the Chinese name, as files from township offices use either.
    pub fn parse(text: &str) -> Option<CareTag> {
        let text = text.trim();
        CareTag::ALL.into_iter().find(|t| t.key() == text || t.name_zh() == text)
    }
}

/// A household (户) in the residents register.
#[derive(Debug, Clone, PartialEq)]
pub struct Household {
    pub id: String,
    pub grid: GridCode,
    pub address: String,
    pub head_name: String,
}

/// A person in the residents register.
#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub id_number: String,
    pub name: String,
    pub household_id: String,
    pub grid: GridCode,
    pub phone: String,
    pub care_tags: Vec<CareTag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPlaceKind {
    School,
    Market,
    RentalHousing,
    HazardousSite,
    Reservoir,
    Hospital,
    ReligiousSite,
}

impl KeyPlaceKind {
    pub const ALL: [KeyPlaceKind; 7] = [
        KeyPlaceKind::School,
        KeyPlaceKind::Market,
        KeyPlaceKind::RentalHousing,
        KeyPlaceKind::HazardousSite,
        KeyPlaceKind::Reservoir,
        KeyPlaceKind::Hospital,
        KeyPlaceKind::ReligiousSite,
    ];

    pub fn key(self) -> &'static str {
        match self {
            KeyPlaceKind::School => "school",
            KeyPlaceKind::Market => "market",
            KeyPlaceKind::RentalHousing => "rental_housing",
            KeyPlaceKind::HazardousSite => "hazardous_site",
            KeyPlaceKind::Reservoir => "reservoir",
            KeyPlaceKind::Hospital => "hospital",
            KeyPlaceKind::ReligiousSite => "religious_site",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            KeyPlaceKind::School => "学校",
            KeyPlaceKind::Market => "集贸市场",
            KeyPlaceKind::RentalHousing => "出租屋",
            KeyPlaceKind::HazardousSite => "危化品场所",
            KeyPlaceKind::Reservoir => "水库山塘",
            KeyPlaceKind::Hospital => "卫生院",
            KeyPlaceKind::ReligiousSite => "宗教活动场所",
        }
    }

    pub fn parse(text: &str) -> Option<KeyPlaceKind> {
        let text = text.trim();
        KeyPlaceKind::ALL.into_iter().find(|k| k.key() == text || k.name_zh() == text)
    }
}

/// A key place (重点场所) in a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPlace {
    pub id: String,
    pub name: String,
    pub kind: KeyPlaceKind,
    pub grid: GridCode,
    pub address: String,
    pub contact_phone: String,
    pub lon: f64,
    pub lat: f64,
}

/// Checks an 18-digit resident identity number (GB 11643): 17 digits and a check character.
pub fn is_valid_id_number(id: &str) -> bool {
    id.len() == 18
        && id.is_char_boundary(17)
        && id_number_check_char(&id[..17]).is_some_and(|c| id[17..].eq_ignore_ascii_case(&c.to_string()))
}

/// Computes the check character for 17 digits, for generating valid demo identity numbers.
pub fn id_number_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes.iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize] as char)
}

/// Checks a mainland mobile number: 11 digits starting with 1.
pub fn is_valid_mobile(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// Masks a phone number for display: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let keep_tail = 4;
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - keep_tail..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 3 - keep_tail))
}

/// Masks an identity number for display: the region (6) and the last 4 stay.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

//! Grids and the unified grid code.
//!
//! Levels are data, not an enum: Guigang governed with four levels before it added the household, and a
//! county may add or drop one again. A [`LevelScheme`] lists the levels from the top and how many digits
//! each adds to the code; [`GridCode`] is validated against it.

use std::fmt;

/// One level of the grid hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelDef {
    /// Stable key used in storage and files, e.g. `village`.
    pub key: String,
    /// The name the console shows, e.g. `中网格（村/社区）`.
    pub name: String,
    /// Total length of a code at this level.
    pub code_len: usize,
}

/// The levels in use, from the top (township) down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelScheme {
    levels: Vec<LevelDef>,
}

/// Depth in a [`LevelScheme`]: 0 is the top level.
pub type LevelDepth = usize;

impl LevelScheme {
    /// Builds a scheme; code lengths must grow strictly from level to level.
    pub fn new(levels: Vec<LevelDef>) -> Result<LevelScheme, GridCodeError> {
        if levels.is_empty() || levels.windows(2).any(|w| w[0].code_len >= w[1].code_len) {
            return Err(GridCodeError::BadScheme);
        }
        Ok(LevelScheme { levels })
    }

    /// Guigang's scheme: township (9 digits) → village/community (12) → small grid (+3) → micro grid (+2) →
    /// household (+3).
    pub fn guigang() -> LevelScheme {
        let level =
            |key: &str, name: &str, code_len| LevelDef { key: key.into(), name: name.into(), code_len };
        LevelScheme::new(vec![
            level("township", "大网格（乡镇）", 9),
            level("village", "中网格（村/社区）", 12),
            level("small", "小网格（村民小组）", 15),
            level("micro", "微网格", 17),
            level("household", "家格", 20),
        ])
        .expect("the built-in scheme is ordered")
    }

    pub fn levels(&self) -> &[LevelDef] {
        &self.levels
    }

    pub fn level(&self, depth: LevelDepth) -> Option<&LevelDef> {
        self.levels.get(depth)
    }

    pub fn depth_of_key(&self, key: &str) -> Option<LevelDepth> {
        self.levels.iter().position(|l| l.key == key)
    }

    /// The depth whose codes are `len` digits long.
    pub fn depth_of_len(&self, len: usize) -> Option<LevelDepth> {
        self.levels.iter().position(|l| l.code_len == len)
    }

    /// The depth of village/community grids, the level dedicated grids hang under.
    pub fn village_depth(&self) -> LevelDepth {
        self.depth_of_key("village").unwrap_or(1.min(self.levels.len() - 1))
    }
}

/// A validated unified grid code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GridCode {
    code: String,
    depth: LevelDepth,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridCodeError {
    #[error("网格编码只能由数字组成：{0}")]
    NotDigits(String),
    #[error("网格编码长度 {len} 不对应任何网格层级：{code}")]
    BadLength { code: String, len: usize },
    #[error("网格编码 {code} 的第 {level} 级序号不能全为 0")]
    ZeroSerial { code: String, level: String },
    #[error("子网格编码 {child} 没有延续上级网格编码 {parent}")]
    NotExtendingParent { parent: String, child: String },
    #[error("网格 {child} 的层级与上级网格 {parent} 不相邻")]
    LevelSkip { parent: String, child: String },
    #[error("专属网格 {0} 必须隶属于村/社区网格")]
    DedicatedOutsideVillage(String),
    #[error("网格层级方案无效：层级编码长度必须逐级递增")]
    BadScheme,
}

impl GridCode {
    /// Validates a code: digits only, a length of one of the scheme's levels, and no all-zero serial in any
    /// segment below the village (the statistical code above it is taken as given).
    pub fn parse(text: &str, scheme: &LevelScheme) -> Result<GridCode, GridCodeError> {
        let code = text.trim();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(GridCodeError::NotDigits(code.to_string()));
        }
        let depth = scheme
            .depth_of_len(code.len())
            .ok_or_else(|| GridCodeError::BadLength { code: code.to_string(), len: code.len() })?;
        let village = scheme.village_depth();
        for d in (village + 1)..=depth {
            let from = scheme.levels[d - 1].code_len;
            let to = scheme.levels[d].code_len;
            if code[from..to].bytes().all(|b| b == b'0') {
                return Err(GridCodeError::ZeroSerial {
                    code: code.to_string(),
                    level: scheme.levels[d].name.clone(),
                });
            }
        }
        Ok(GridCode { code: code.to_string(), depth })
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    pub fn depth(&self) -> LevelDepth {
        self.depth
    }

    /// The code of the grid one level up, if any.
    pub fn parent(&self, scheme: &LevelScheme) -> Option<GridCode> {
        let depth = self.depth.checked_sub(1)?;
        let len = scheme.level(depth)?.code_len;
        Some(GridCode { code: self.code[..len].to_string(), depth })
    }

    /// The grid's number within its parent: the digits its code adds to the parent's (a household's 户号
    /// within its micro grid). `None` for the top level.
    pub fn serial(&self, scheme: &LevelScheme) -> Option<u32> {
        let parent = self.parent(scheme)?;
        self.code[parent.code.len()..].parse().ok()
    }

    /// The ancestor (or self) at `depth`.
    pub fn ancestor_at(&self, depth: LevelDepth, scheme: &LevelScheme) -> Option<GridCode> {
        if depth > self.depth {
            return None;
        }
        let len = scheme.level(depth)?.code_len;
        Some(GridCode { code: self.code[..len].to_string(), depth })
    }

    /// Whether `self` lies at or below `ancestor`.
    pub fn is_within(&self, ancestor: &GridCode) -> bool {
        self.code.starts_with(&ancestor.code)
    }

    /// The code of the next level down with the given serial, e.g. small grid 3 of a village.
    pub fn child(&self, serial: u32, scheme: &LevelScheme) -> Result<GridCode, GridCodeError> {
        let next = scheme
            .level(self.depth + 1)
            .ok_or_else(|| GridCodeError::BadLength { code: self.code.clone(), len: self.code.len() })?;
        let width = next.code_len - self.code.len();
        let text = format!("{}{:0width$}", self.code, serial, width = width);
        GridCode::parse(&text, scheme)
    }
}

impl fmt::Display for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// The two kinds of grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GridKind {
    /// 综合网格: a territorial grid.
    Comprehensive,
    /// 专属网格: a school, hospital, market, enterprise or park with its own grid, under a village.
    Dedicated(DedicatedKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DedicatedKind {
    School,
    Hospital,
    Market,
    Enterprise,
    Park,
}

impl DedicatedKind {
    pub const ALL: [DedicatedKind; 5] = [
        DedicatedKind::School,
        DedicatedKind::Hospital,
        DedicatedKind::Market,
        DedicatedKind::Enterprise,
        DedicatedKind::Park,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DedicatedKind::School => "school",
            DedicatedKind::Hospital => "hospital",
            DedicatedKind::Market => "market",
            DedicatedKind::Enterprise => "enterprise",
            DedicatedKind::Park => "park",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DedicatedKind::School => "学校",
            DedicatedKind::Hospital => "医院",
            DedicatedKind::Market => "市场",
            DedicatedKind::Enterprise => "企业",
            DedicatedKind::Park => "园区",
        }
    }

    pub fn from_key(key: &str) -> Option<DedicatedKind> {
        DedicatedKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

impl GridKind {
    pub fn key(self) -> &'static str {
        match self {
            GridKind::Comprehensive => "comprehensive",
            GridKind::Dedicated(kind) => kind.key(),
        }
    }

    pub fn from_key(key: &str) -> Option<GridKind> {
        if key == "comprehensive" {
            Some(GridKind::Comprehensive)
        } else {
            DedicatedKind::from_key(key).map(GridKind::Dedicated)
        }
    }

    pub fn name_zh(self) -> String {
        match self {
            GridKind::Comprehensive => "综合网格".to_string(),
            GridKind::Dedicated(kind) => format!("专属网格（{}）", kind.name_zh()),
        }
    }
}

/// A grid as the domain sees it; its boundary lives with the map data.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub code: GridCode,
    pub name: String,
    pub kind: GridKind,
}

/// Checks that `child` may hang under `parent`: the code extends the parent's by exactly one level, and a
/// dedicated grid hangs under a village/community.
pub fn check_parent(parent: &Grid, child: &Grid, scheme: &LevelScheme) -> Result<(), GridCodeError> {
    if !child.code.is_within(&parent.code) || child.code == parent.code {
        return Err(GridCodeError::NotExtendingParent {
            parent: parent.code.to_string(),
            child: child.code.to_string(),
        });
    }
    if child.code.depth() != parent.code.depth() + 1 {
        return Err(GridCodeError::LevelSkip {
            parent: parent.code.to_string(),
            child: child.code.to_string(),
        });
    }
    if matches!(child.kind, GridKind::Dedicated(_)) && parent.code.depth() != scheme.village_depth() {
        return Err(GridCodeError::DedicatedOutsideVillage(child.code.to_string()));
    }
    Ok(())
}

//! Grid codes: validation, hierarchy, the dedicated-grid rule.

use redgrid_core::grid::{check_parent, DedicatedKind, Grid, GridCode, GridCodeError, GridKind, LevelScheme};
use redgrid_core::register::{id_number_check_char, is_valid_id_number, mask_id_number, mask_phone};

fn code(text: &str) -> GridCode {
    GridCode::parse(text, &LevelScheme::guigang()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn codes_have_one_length_per_level() {
    let scheme = LevelScheme::guigang();
    for (text, depth) in [
        ("450802101", 0),
        ("450802101201", 1),
        ("450802101201003", 2),
        ("45080210120100302", 3),
        ("45080210120100302011", 4),
    ] {
        assert_eq!(code(text).depth(), depth, "{text}");
        assert_eq!(scheme.level(depth).unwrap().code_len, text.len());
    }
    assert!(matches!(
        GridCode::parse("4508021012010", &scheme),
        Err(GridCodeError::BadLength { len: 13, .. })
    ));
    assert!(matches!(GridCode::parse("45080210120A", &scheme), Err(GridCodeError::NotDigits(_))));
    assert!(matches!(GridCode::parse("", &scheme), Err(GridCodeError::NotDigits(_))));
    assert!(
        matches!(GridCode::parse("450802101201000", &scheme), Err(GridCodeError::ZeroSerial { .. })),
        "small-grid serial 000 is not a grid"
    );
    assert!(matches!(GridCode::parse("45080210120100300", &scheme), Err(GridCodeError::ZeroSerial { .. })));
}

#[test]
fn a_child_code_extends_its_parent() {
    let scheme = LevelScheme::guigang();
    let micro = code("45080210120100302");
    assert_eq!(micro.parent(&scheme), Some(code("450802101201003")));
    assert_eq!(micro.ancestor_at(1, &scheme), Some(code("450802101201")));
    assert_eq!(code("450802101").parent(&scheme), None, "the township is the top");
    assert!(micro.is_within(&code("450802101201")));
    assert!(!micro.is_within(&code("450802101202")));
    assert_eq!(code("450802101201").child(7, &scheme).unwrap(), code("450802101201007"));
    assert_eq!(code("450802101201007").child(12, &scheme).unwrap(), code("45080210120100712"));
    assert!(code("45080210120100302011").child(1, &scheme).is_err(), "households have no children");
}

#[test]
fn parents_are_checked_level_by_level_and_dedicated_grids_hang_under_villages() {
    let scheme = LevelScheme::guigang();
    let grid = |text: &str, kind| Grid { code: code(text), name: String::new(), kind };
    let village = grid("450802101201", GridKind::Comprehensive);
    let small = grid("450802101201003", GridKind::Comprehensive);
    assert_eq!(check_parent(&village, &small, &scheme), Ok(()));
    assert!(matches!(
        check_parent(&village, &grid("450802101202003", GridKind::Comprehensive), &scheme),
        Err(GridCodeError::NotExtendingParent { .. })
    ));
    assert!(matches!(
        check_parent(&village, &grid("45080210120100301", GridKind::Comprehensive), &scheme),
        Err(GridCodeError::LevelSkip { .. })
    ));
    let market = grid("450802101201901", GridKind::Dedicated(DedicatedKind::Market));
    assert_eq!(check_parent(&village, &market, &scheme), Ok(()));
    let misplaced = grid("45080210120100301", GridKind::Dedicated(DedicatedKind::School));
    assert!(matches!(
        check_parent(&small, &misplaced, &scheme),
        Err(GridCodeError::DedicatedOutsideVillage(_))
    ));
}

#[test]
fn identity_numbers_and_masking() {
    let check = id_number_check_char("45080219800101123").unwrap();
    let id = format!("45080219800101123{check}");
    assert!(is_valid_id_number(&id));
    let wrong = if check == '0' { '1' } else { '0' };
    assert!(!is_valid_id_number(&format!("45080219800101123{wrong}")), "a wrong check character is caught");
    assert!(!is_valid_id_number("4508021980010112"));
    assert_eq!(mask_id_number(&id), format!("450802********123{check}"));
    assert_eq!(mask_phone("13812345678"), "138****5678");
}

#[test]
fn a_household_is_numbered_within_its_micro_grid() {
    let scheme = LevelScheme::guigang();
    let household = GridCode::parse("45080210100100101002", &scheme).unwrap();
    assert_eq!(household.serial(&scheme), Some(2), "户号 2, not the letter of its id");
    let township = GridCode::parse("450802101", &scheme).unwrap();
    assert_eq!(township.serial(&scheme), None);
}

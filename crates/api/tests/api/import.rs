//! Imports against a real SQLite file: divisions, GeoJSON boundaries, and the registers from CSV and XLSX.
//! Fixtures live in `tests/fixtures/import/`; the XLSX files are written by the tests themselves so that
//! their content reads here.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use redgrid_api::import::{
    import_divisions, import_grids_geojson, import_places, import_residents, import_workers,
    township_position, village_position, ImportError, ImportSummary, RowError,
};
use redgrid_api::{ApiError, FixedClock, Station, StationConfig};
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::register::CareTag;
use redgrid_core::worker::{BusinessLine, Employment, ForceGroup, ForceRole};
use redgrid_store::Registers;

/// A station on its own SQLite file, removed with it.
struct TestStation {
    station: Station,
    dir: PathBuf,
}

impl Drop for TestStation {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl std::ops::Deref for TestStation {
    type Target = Station;
    fn deref(&self) -> &Station {
        &self.station
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

async fn empty_station() -> TestStation {
    let dir = std::env::temp_dir().join(format!(
        "redgrid-api-import-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap()));
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let station = Station::open(&url, StationConfig::default(), clock).await.expect("open station");
    TestStation { station, dir }
}

/// A station with the grids of the small division fixture: three townships and five villages.
async fn seeded_station() -> TestStation {
    let station = empty_station().await;
    import_divisions(&station, &admin(), &fixture("divisions")).await.expect("divisions import");
    station
}

fn admin() -> Actor {
    Actor {
        id: "admin".into(),
        name: "系统管理员".into(),
        role: Role::Administrator,
        station: "station-1".into(),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

async fn registers(station: &Station, code: &str) -> Registers {
    station.store().registers(code, &station.scheme()).await.expect("read registers").expect("grid exists")
}

/// What an import must leave untouched when it is refused.
#[derive(Debug, PartialEq)]
struct Snapshot {
    feed_head: i64,
    audit_records: i64,
    grids: i64,
    registers: Vec<Registers>,
    workers: usize,
}

async fn snapshot(station: &Station) -> Snapshot {
    let mut all = Vec::new();
    for township in ["450802001", "450802101", "450803100"] {
        all.push(registers(station, township).await);
    }
    Snapshot {
        feed_head: station.store().feed_head().await.expect("feed head"),
        audit_records: station.store().verify_audit().await.expect("verify").records,
        grids: station.store().grid_count().await.expect("grid count"),
        registers: all,
        workers: station.store().workers(&station.scheme()).await.expect("workers").len(),
    }
}

async fn assert_chain_verifies(station: &Station) {
    let report = station.store().verify_audit().await.expect("verify");
    assert_eq!(report.first_bad, None, "imports append to the audit chain without breaking it");
}

fn row_errors(result: Result<ImportSummary, ApiError>) -> Vec<RowError> {
    match result {
        Err(ApiError::Import(ImportError::Rows(errors))) => errors,
        other => panic!("expected a row-by-row refusal, got {other:?}"),
    }
}

/// `(row, column, start of the message)` for comparing reports without repeating every message in full.
fn outline(errors: &[RowError]) -> Vec<(usize, &str, &str)> {
    errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.message.split(['，', '：', '；']).next().unwrap_or_default()))
        .collect()
}

// --- divisions ------------------------------------------------------------------------------------------

#[tokio::test]
async fn divisions_create_township_and_village_grids_and_import_again_changes_nothing() {
    let station = empty_station().await;
    let first = import_divisions(&station, &admin(), &fixture("divisions")).await.expect("first import");
    assert_eq!(
        first,
        ImportSummary { kind: "divisions", rows: 8, created: 8, updated: 0 },
        "3 townships and 5 villages, all new"
    );

    let tree = station.store().grid_tree(1).await.expect("tree");
    let names: Vec<(&str, i64, &str)> =
        tree.iter().map(|n| (n.code.as_str(), n.depth, n.name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("450802001", 0, "贵城街道"),
            ("450802001003", 1, "县东社区"),
            ("450802101", 0, "大圩镇"),
            ("450802101001", 1, "大圩社区"),
            ("450802101201", 1, "大圩村"),
            ("450802101202", 1, "新建村"),
            ("450803100", 0, "桥圩镇"),
            ("450803100001", 1, "兴贵社区"),
        ],
        "townships at depth 0 and villages at depth 1, village committees' names shortened"
    );
    assert!(tree.iter().all(|n| n.kind == "comprehensive"), "division grids are comprehensive grids");
    let dawei = tree.iter().find(|n| n.code == "450802101").expect("大圩镇");
    let (lon, lat) = (dawei.lon.expect("placed"), dawei.lat.expect("placed"));
    assert!(
        (lon - 109.57224).abs() < 0.4 && (lat - 23.11153).abs() < 0.3,
        "a town is placed near its county centre (港北区 109.57, 23.11), got {lon}, {lat}"
    );
    let qiaoxu = tree.iter().find(|n| n.code == "450803100").expect("桥圩镇");
    assert!(
        qiaoxu.lon.is_some_and(|lon| (lon - 109.598926).abs() < 0.4),
        "港南区 has no centre in the fixture: its townships fall back to the prefecture's (贵港市)"
    );

    let before = snapshot(&station).await;
    let again = import_divisions(&station, &admin(), &fixture("divisions")).await.expect("second import");
    assert_eq!(again, ImportSummary { kind: "divisions", rows: 8, created: 0, updated: 8 }, "all exist now");
    assert_eq!(station.store().grid_tree(1).await.expect("tree"), tree, "importing again is idempotent");
    let after = snapshot(&station).await;
    assert_eq!(after.audit_records, before.audit_records + 1, "the second import is itself audited");
    assert_chain_verifies(&station).await;
}

#[tokio::test]
async fn the_real_guigang_division_files_shipped_in_assets_import() {
    let station = empty_station().await;
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/divisions");
    let summary = import_divisions(&station, &admin(), &assets).await.expect("Guigang's divisions import");
    let townships =
        std::fs::read_to_string(assets.join("guigang-townships.csv")).expect("read").lines().count() - 1;
    let villages =
        std::fs::read_to_string(assets.join("guigang-villages.csv")).expect("read").lines().count() - 1;
    assert_eq!(summary.rows, townships + villages, "one grid per township and per village line");
    let dawei = station.store().grid_node("450802101").await.expect("read").expect("大圩镇 exists");
    assert_eq!(dawei.name, "大圩镇", "the demo township is among them");
    let unplaced =
        station.store().grid_tree(1).await.expect("tree").iter().filter(|n| n.lon.is_none()).count();
    assert_eq!(unplaced, 0, "every Guigang county has a centre, so every grid is placed");
    assert_chain_verifies(&station).await;
}

#[test]
fn placeholder_positions_are_deterministic_and_near_their_centre() {
    let county = (109.57224, 23.11153);
    let town = township_position(county, "450802101", "大圩镇");
    assert_eq!(
        town,
        township_position(county, "450802101", "大圩镇"),
        "the same code lands on the same spot"
    );
    let distance = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    assert!(distance(town, county) < 0.35, "a town lies within about 30 km of its county centre: {town:?}");
    let street = township_position(county, "450802001", "贵城街道");
    assert!(distance(street, county) < 0.05, "an urban sub-district lies close to the centre: {street:?}");
    let village = village_position(town, "450802101201", false);
    assert!(distance(village, town) < 0.06, "a village lies within a few km of its township: {village:?}");
    assert_ne!(village, village_position(town, "450802101202", false), "neighbours do not share a spot");
}

#[tokio::test]
async fn divisions_without_a_villages_file_are_refused() {
    let station = empty_station().await;
    let dir = station.dir.join("partial");
    std::fs::create_dir_all(&dir).expect("dir");
    for name in ["test-counties.csv", "test-townships.csv"] {
        std::fs::copy(fixture("divisions").join(name), dir.join(name)).expect("copy");
    }
    let result = import_divisions(&station, &admin(), &dir).await;
    assert!(
        matches!(result, Err(ApiError::Import(ImportError::MissingFile { pattern: "*-villages.csv", .. }))),
        "the missing file is named, got {result:?}"
    );
    assert_eq!(station.store().grid_count().await.expect("count"), 0, "nothing written");
}

// --- residents ------------------------------------------------------------------------------------------

#[tokio::test]
async fn residents_from_csv_with_chinese_headers_and_a_bom() {
    let station = seeded_station().await;
    let summary = import_residents(&station, &admin(), &fixture("residents-zh.csv")).await.expect("import");
    assert_eq!(
        summary,
        ImportSummary { kind: "residents", rows: 3, created: 3, updated: 0 },
        "three new residents"
    );

    let village = registers(&station, "450802101").await;
    let people: Vec<(&str, &str, &str, Vec<CareTag>)> = village
        .residents
        .iter()
        .map(|r| (r.id_number.as_str(), r.name.as_str(), r.household_id.as_str(), r.care_tags.clone()))
        .collect();
    assert_eq!(
        people,
        [
            ("450802195503150020", "覃秀英", "DX-0001", vec![CareTag::ElderlyAlone, CareTag::LowIncome]),
            ("450802198001010013", "韦建国", "DX-0001", vec![]),
            ("450802201506200036", "韦小明", "DX-0002", vec![CareTag::LeftBehindChild]),
        ],
        "every row is readable back, care tags parsed from Chinese names separated by 、"
    );
    let households: Vec<(&str, &str, &str, &str)> = village
        .households
        .iter()
        .map(|h| (h.id.as_str(), h.grid.as_str(), h.head_name.as_str(), h.address.as_str()))
        .collect();
    assert_eq!(
        households,
        [
            ("DX-0001", "450802101201", "韦建国", "大圩村一组12号"),
            ("DX-0002", "450802101202", "黄丽", "大圩村二组3号, 东侧"),
        ],
        "one household per 户编号, with the head and the address (a quoted comma stays in the address)"
    );

    let again = import_residents(&station, &admin(), &fixture("residents-zh.csv")).await.expect("again");
    assert_eq!((again.created, again.updated), (0, 3), "a second import updates the same residents");
    assert_eq!(registers(&station, "450802101").await, village, "and leaves the registers as they were");
    assert_chain_verifies(&station).await;
}

#[tokio::test]
async fn residents_from_csv_with_english_headers_in_another_order() {
    let station = seeded_station().await;
    let summary = import_residents(&station, &admin(), &fixture("residents-en.csv")).await.expect("import");
    assert_eq!(summary.rows, 2, "both rows imported");
    let community = registers(&station, "450802001003").await;
    let people: Vec<(&str, &str, &str, Vec<CareTag>)> = community
        .residents
        .iter()
        .map(|r| (r.name.as_str(), r.household_id.as_str(), r.phone.as_str(), r.care_tags.clone()))
        .collect();
    assert_eq!(
        people,
        [
            ("梁海燕", "GC-0001", "13700003333", vec![]),
            ("陈伯", "GC-0002", "", vec![CareTag::ElderlyAlone, CareTag::Disabled]),
        ],
        "columns are found by their English keys whatever their order; tags given by key"
    );
    let heads: Vec<&str> = community.households.iter().map(|h| h.head_name.as_str()).collect();
    assert_eq!(heads, ["梁海燕", "陈伯"], "an empty head defaults to the household's first member");
}

#[tokio::test]
async fn residents_from_a_gbk_csv_as_excel_saves_it_on_chinese_windows() {
    let station = seeded_station().await;
    let text = std::fs::read_to_string(fixture("residents-en.csv")).expect("fixture");
    let text = text.replacen("name,id_number,grid_code", "姓名,身份证号,网格编码", 1);
    let (gbk, _, lossy) = encoding_rs::GBK.encode(&text);
    assert!(!lossy, "the fixture's text is all in GBK");
    let path = station.dir.join("gbk.csv");
    std::fs::write(&path, &gbk).expect("write");
    let summary = import_residents(&station, &admin(), &path).await.expect("a GBK file imports");
    assert_eq!(summary.rows, 2, "both rows read");
    let names: Vec<String> =
        registers(&station, "450802001003").await.residents.into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["梁海燕", "陈伯"], "Chinese text decoded from GBK, not garbled");
}

#[tokio::test]
async fn residents_with_bad_rows_are_refused_row_by_row_and_nothing_is_written() {
    let station = seeded_station().await;
    let before = snapshot(&station).await;
    let errors = row_errors(import_residents(&station, &admin(), &fixture("residents-bad.csv")).await);
    assert_eq!(
        outline(&errors),
        [
            (3, "身份证号", "校验位错误"),
            (4, "网格编码", "网格 450802101999 不存在"),
            (5, "身份证号", "与第 2 行重复"),
            (6, "电话", "「1380000」不是有效手机号"),
            (6, "关爱标签", "未知关爱标签「孤寡老人」"),
            (7, "姓名", "不能为空"),
        ],
        "every bad cell is reported by its spreadsheet row (header = 1) and header; row 2 is good"
    );
    let report = ImportError::Rows(errors).to_string();
    let mut lines = report.lines();
    assert_eq!(
        lines.next(),
        Some("导入未执行：发现 6 处错误，文件中的数据均未写入"),
        "the report says nothing was written"
    );
    assert_eq!(
        lines.next(),
        Some("第 3 行「身份证号」：校验位错误，应为 18 位有效身份证号"),
        "one line per error: row, column, what is wrong and what is expected"
    );
    assert_eq!(snapshot(&station).await, before, "all or nothing: not even the good row 2 is written");
    assert_chain_verifies(&station).await;
}

#[tokio::test]
async fn residents_from_xlsx_with_a_title_row_and_numeric_cells() {
    let station = seeded_station().await;
    let path = station.dir.join("居民.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "大圩村居民花名册").expect("title");
    for (col, header) in
        ["序号", "姓名", "身份证号", "户编号", "户主", "地址", "网格编码", "电话", "关爱标签"]
            .iter()
            .enumerate()
    {
        sheet.write_string(1, col as u16, *header).expect("header");
    }
    let rows = [
        (1.0, "韦建国", "450802198001010013", "DX-0001", "大圩村一组12号", 13800001111.0, ""),
        (2.0, "覃秀英", "450802195503150020", "DX-0001", "大圩村一组12号", 13800002222.0, "独居老人"),
    ];
    for (i, (serial, name, id, household, address, phone, tags)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        sheet.write_number(r, 0, *serial).expect("serial");
        sheet.write_string(r, 1, *name).expect("name");
        sheet.write_string(r, 2, *id).expect("id");
        sheet.write_string(r, 3, *household).expect("household");
        sheet.write_string(r, 5, *address).expect("address");
        // Grid codes and phones typed as numbers, as people do in Excel.
        sheet.write_number(r, 6, 450802101201.0).expect("grid");
        sheet.write_number(r, 7, *phone).expect("phone");
        sheet.write_string(r, 8, *tags).expect("tags");
    }
    workbook.save(&path).expect("save xlsx");

    let summary = import_residents(&station, &admin(), &path).await.expect("xlsx import");
    assert_eq!(summary.rows, 2, "the title row is skipped and the unknown 序号 column ignored");
    let village = registers(&station, "450802101201").await;
    let people: Vec<(&str, &str, &str)> =
        village.residents.iter().map(|r| (r.name.as_str(), r.grid.as_str(), r.phone.as_str())).collect();
    assert_eq!(
        people,
        [("覃秀英", "450802101201", "13800002222"), ("韦建国", "450802101201", "13800001111")],
        "numeric cells read as the digits typed, not as 1.38e10"
    );
    assert_eq!(
        village.households[0].head_name, "韦建国",
        "an empty 户主 column defaults to the first member"
    );
}

#[tokio::test]
async fn an_identity_number_typed_as_a_number_in_xlsx_is_reported_on_its_sheet_row() {
    let station = seeded_station().await;
    let path = station.dir.join("bad.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in ["身份证号", "姓名", "户编号", "网格编码"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).expect("header");
    }
    sheet.write_string(1, 0, "450802198001010013").expect("id");
    sheet.write_number(2, 0, 450802195503150020.0).expect("id as a number");
    for r in 1..=2 {
        sheet.write_string(r, 1, "某某").expect("name");
        sheet.write_string(r, 2, "DX-0009").expect("household");
        sheet.write_string(r, 3, "450802101201").expect("grid");
    }
    workbook.save(&path).expect("save xlsx");

    let errors = row_errors(import_residents(&station, &admin(), &path).await);
    assert_eq!(errors.len(), 1, "only the numeric identity number is wrong: {errors:?}");
    assert_eq!((errors[0].row, errors[0].column.as_str()), (3, "身份证号"), "sheet row 3 holds it");
    assert!(errors[0].message.contains("文本格式"), "the message says how to fix it: {}", errors[0].message);
    assert!(registers(&station, "450802101201").await.residents.is_empty(), "nothing written");
}

#[tokio::test]
async fn a_file_without_a_required_column_is_refused_naming_it() {
    let station = seeded_station().await;
    let path = station.dir.join("no-grid.csv");
    std::fs::write(&path, "身份证号,姓名,户编号\n450802198001010013,韦建国,DX-0001\n").expect("write");
    let result = import_residents(&station, &admin(), &path).await;
    match result {
        Err(ApiError::Import(ImportError::MissingColumns { columns, .. })) => {
            assert_eq!(
                columns,
                ["网格编码（grid_code）"],
                "the missing column is named in Chinese and English"
            )
        }
        other => panic!("expected a missing column, got {other:?}"),
    }
    let unknown = import_residents(&station, &admin(), &fixture("grids.geojson")).await;
    assert!(
        matches!(unknown, Err(ApiError::Import(ImportError::UnknownFormat { .. }))),
        "a register is read from CSV or a spreadsheet only, got {unknown:?}"
    );
}

#[tokio::test]
async fn only_the_administrator_imports() {
    let station = seeded_station().await;
    let officer = Actor { role: Role::DutyOfficer, ..admin() };
    let result = import_residents(&station, &officer, &fixture("residents-zh.csv")).await;
    assert!(matches!(result, Err(ApiError::Forbidden(_))), "a duty officer may not import, got {result:?}");
}

// --- key places -----------------------------------------------------------------------------------------

#[tokio::test]
async fn key_places_take_the_grid_position_when_coordinates_are_empty() {
    let station = seeded_station().await;
    let summary = import_places(&station, &admin(), &fixture("places.csv")).await.expect("import");
    assert_eq!(summary, ImportSummary { kind: "places", rows: 2, created: 2, updated: 0 }, "two new places");
    let community = registers(&station, "450802101001").await;
    let grid = (community.grid.lon.expect("placed"), community.grid.lat.expect("placed"));
    let places: Vec<(&str, &str, (f64, f64))> =
        community.key_places.iter().map(|p| (p.id.as_str(), p.kind.key(), (p.lon, p.lat))).collect();
    assert_eq!(
        places,
        [("P001", "school", (109.61, 23.25)), ("P002", "market", grid)],
        "given coordinates are kept; a place without any sits at its grid's position"
    );
    assert_eq!(
        community.key_places[0].contact_phone, "0775-4561234",
        "a landline with area code is accepted"
    );
}

// --- workers --------------------------------------------------------------------------------------------

#[tokio::test]
async fn workers_with_lists_of_roles_skills_and_grids() {
    let station = seeded_station().await;
    let summary = import_workers(&station, &admin(), &fixture("workers.csv")).await.expect("import");
    assert_eq!(
        summary,
        ImportSummary { kind: "workers", rows: 2, created: 2, updated: 0 },
        "two new workers"
    );
    let workers = station.store().workers(&station.scheme()).await.expect("workers");
    let w001 = &workers[0].worker;
    assert_eq!(
        (w001.employment, w001.group, w001.party_member, w001.owntracks_user.as_deref()),
        (Employment::FullTime, ForceGroup::One, true, Some("dawei-w001")),
        "single-valued columns parsed from their Chinese names"
    );
    assert_eq!(w001.roles, [ForceRole::GridWorker, ForceRole::Mediator], "roles in file order");
    assert_eq!(w001.skills, [BusinessLine::Mediation, BusinessLine::PublicOrder], "skills in file order");
    let grids: Vec<&str> = w001.grids.iter().map(|g| g.as_str()).collect();
    assert_eq!(grids, ["450802101201", "450802101202"], "the first grid is the home grid");
    assert_eq!(workers[1].worker.owntracks_user, None, "an empty OwnTracks user stays unset");
    assert_eq!(
        registers(&station, "450802101201").await.workers.len(),
        1,
        "a worker is listed in the register of their home grid"
    );
}

#[tokio::test]
async fn workers_with_bad_rows_are_refused_including_a_duplicate_id() {
    let station = seeded_station().await;
    let before = snapshot(&station).await;
    let errors = row_errors(import_workers(&station, &admin(), &fixture("workers-bad.csv")).await);
    assert_eq!(
        outline(&errors),
        [
            (2, "用工类型", "力量类别为专职网格员时用工类型应为专职"),
            (3, "角色", "未知角色「队长」"),
            (4, "网格", "网格 450802101888 不存在"),
            (5, "编号", "与第 3 行重复"),
        ],
        "the duplicate is caught even though its first occurrence has another error"
    );
    assert_eq!(snapshot(&station).await, before, "nothing written");
}

// --- GeoJSON --------------------------------------------------------------------------------------------

#[tokio::test]
async fn geojson_attaches_boundaries_and_creates_grids_under_known_parents() {
    let station = seeded_station().await;
    let summary = import_grids_geojson(&station, &admin(), &fixture("grids.geojson")).await.expect("import");
    assert_eq!(
        summary,
        ImportSummary { kind: "grids", rows: 4, created: 3, updated: 1 },
        "the village exists; the small, micro and dedicated grids are new"
    );
    let boundaries = station.store().grid_boundaries(4).await.expect("boundaries");
    let listed: Vec<(&str, &str, &str)> = boundaries
        .iter()
        .map(|(code, _, kind, name, _)| (code.as_str(), kind.as_str(), name.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("450802101201", "comprehensive", "大圩村"),
            ("450802101201001", "comprehensive", "大圩村第一网格"),
            ("45080210120100101", "comprehensive", "大圩村一组微网格"),
            ("450802101201002", "school", "大圩中心小学专属网格"),
        ],
        "the micro grid's parent comes later in the file and is still found; 学校 is a dedicated kind"
    );
    let stored: serde_json::Value = serde_json::from_str(&boundaries[0].4).expect("stored geometry is JSON");
    assert_eq!(stored["type"], "Polygon", "the geometry is stored as GeoJSON");
    let village = station.store().grid_node("450802101201").await.expect("read").expect("exists");
    let (lon, lat) = (village.lon.expect("lon"), village.lat.expect("lat"));
    assert!(
        (lon - 109.62).abs() < 1e-9 && (lat - 23.22).abs() < 1e-9,
        "the position moves to the ring's centre, got {lon}, {lat}"
    );
    assert_eq!(village.name, "大圩村", "a feature without a name keeps the stored name");

    import_divisions(&station, &admin(), &fixture("divisions")).await.expect("divisions again");
    let village = station.store().grid_node("450802101201").await.expect("read").expect("exists");
    assert_eq!(
        (village.lon, village.lat),
        (Some(lon), Some(lat)),
        "importing divisions again does not move a grid placed by its boundary"
    );
    assert_chain_verifies(&station).await;
}

#[tokio::test]
async fn geojson_with_bad_features_is_refused_feature_by_feature() {
    let station = seeded_station().await;
    let before = snapshot(&station).await;
    let result = import_grids_geojson(&station, &admin(), &fixture("grids-bad.geojson")).await;
    let errors = match result {
        Err(ApiError::Import(ImportError::Features(errors))) => errors,
        other => panic!("expected a feature-by-feature refusal, got {other:?}"),
    };
    assert_eq!(
        outline(&errors),
        [
            (2, "geometry", "外环没有闭合"),
            (3, "code", "上级网格 450802101299 不存在"),
            (4, "geometry", "外环中的经度 200 超出 -180～180"),
            (5, "geometry", "几何类型为 Point"),
        ],
        "feature numbers count from 1; the good first feature is not reported"
    );
    assert!(
        ImportError::Features(errors).to_string().contains("第 2 个要素「geometry」：外环没有闭合"),
        "the report counts features, not rows"
    );
    assert_eq!(snapshot(&station).await, before, "not even the good first feature's boundary is written");
    assert!(station.store().grid_boundaries(4).await.expect("boundaries").is_empty(), "no boundary at all");
}

//! Plausible names for demo data: surnames common in Guigang (Zhuang and Han families alike).

use rand::Rng;

const SURNAMES: &[&str] = &[
    "黄", "李", "韦", "陈", "梁", "覃", "刘", "林", "罗", "蒙", "莫", "周", "廖", "蓝", "杨", "吴", "谢",
    "何", "甘", "卢", "张", "王", "潘", "苏", "邓", "冯", "陆", "赵", "钟", "农", "宁", "庞", "骆", "曾",
];

const GIVEN_MALE: &[&str] = &[
    "伟", "强", "军", "勇", "杰", "涛", "斌", "明", "华", "超", "志", "海", "建", "国", "文", "平", "东",
    "宁", "鹏", "飞", "振", "荣", "福", "贵", "德", "才", "永", "桂", "生", "广", "光", "庆", "俊", "家",
    "祥",
];

const GIVEN_FEMALE: &[&str] = &[
    "芳", "丽", "娟", "敏", "静", "燕", "红", "霞", "玲", "梅", "兰", "英", "秀", "萍", "莉", "琴", "婷",
    "雪", "慧", "春", "桂", "凤", "月", "珍", "艳", "妹", "金", "玉", "美", "倩",
];

/// A full name; `male` picks from the men's given-name characters.
pub fn person_name(rng: &mut impl Rng, male: bool) -> String {
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let pool = if male { GIVEN_MALE } else { GIVEN_FEMALE };
    let first = pool[rng.gen_range(0..pool.len())];
    if rng.gen_bool(0.3) {
        format!("{surname}{first}")
    } else {
        let second = pool[rng.gen_range(0..pool.len())];
        format!("{surname}{first}{second}")
    }
}

/// The surname of a household, shared by its members more often than not.
pub fn surname_of(name: &str) -> &str {
    name.char_indices().nth(1).map(|(i, _)| &name[..i]).unwrap_or(name)
}

/// A given name added to a surname.
pub fn with_surname(rng: &mut impl Rng, surname: &str, male: bool) -> String {
    let full = person_name(rng, male);
    format!("{surname}{}", &full[surname_of(&full).len()..])
}

/// A mainland mobile number.
pub fn mobile(rng: &mut impl Rng) -> String {
    const PREFIXES: &[&str] = &[
        "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "177", "180",
        "181", "186", "187", "188", "189", "199",
    ];
    format!("{}{:08}", PREFIXES[rng.gen_range(0..PREFIXES.len())], rng.gen_range(0..100_000_000u32))
}

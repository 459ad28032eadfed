//! Day zero and the township's own accounts: first run without demo data, the password policy, accounts
//! the administrator manages, the lockout, a reset that forces a change, the seat's server-side limits,
//! and the demo's privileges refused on a real database.

use chrono::Duration;
use redgrid_api::init::InitSpec;
use redgrid_api::session::Seat;
use redgrid_api::ApiError;
use redgrid_core::account::DataScope;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_demo::township::DEMO_PASSWORD;

use crate::station::{demo_station, test_station, TestStation};

const ADMIN_PASSWORD: &str = "大圩镇综治-管理2026";
const DAXU: &str = "450802101";

fn spec(township: &str) -> InitSpec {
    InitSpec {
        centre_name: "大圩镇综治中心".into(),
        township_code: township.into(),
        admin_account: "zhangadmin".into(),
        admin_name: Some("张管理".into()),
        admin_password: ADMIN_PASSWORD.into(),
        divisions: None,
    }
}

async fn initialised() -> (TestStation, Actor) {
    let t = test_station().await;
    assert!(t.station.needs_init().await.unwrap(), "an empty database waits for its first run");
    t.station.init(&spec(DAXU)).await.expect("first run");
    let admin = t.station.check_credentials("zhangadmin", ADMIN_PASSWORD).await.unwrap().actor();
    (t, admin)
}

/// Every audit record's command, oldest first.
async fn audit_commands(t: &TestStation) -> Vec<String> {
    let mut records = t.station.store().recent_audit(100_000).await.unwrap();
    records.reverse();
    records.into_iter().map(|r| r.entry.command).collect()
}

#[tokio::test]
async fn first_run_writes_the_township_its_rules_and_one_administrator_and_no_demo() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    assert!(!s.needs_init().await.unwrap());
    assert!(!s.is_demo().await.unwrap(), "no demo marker");
    let tree = s.store().grid_tree(1).await.unwrap();
    assert_eq!(tree[0].code, DAXU);
    assert!(tree.len() > 5, "the township and its villages: {}", tree.len());
    assert!(tree.iter().all(|g| g.code.starts_with(DAXU)), "only this township's grids");
    assert!(tree.iter().all(|g| g.lon.is_some()), "every grid is placed on the map");
    let (events, _) = s.store().count_events().await.unwrap();
    assert_eq!(events, 0, "no demo events");
    assert!(s.store().workers(&s.scheme()).await.unwrap().is_empty(), "no demo people");
    assert!(!s.store().time_limit_policy().await.unwrap().rules.is_empty(), "the standard time limits");
    assert_eq!(s.store().setting("centre_name").await.unwrap().as_deref(), Some("大圩镇综治中心"));
    let accounts = s.accounts(&admin).await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!((accounts[0].account.as_str(), accounts[0].role), ("zhangadmin", Role::Administrator));
    assert!(audit_commands(&t).await.contains(&"init".to_string()));

    // Run twice, it refuses and changes nothing.
    let again = s.init(&spec("450802102")).await.unwrap_err();
    assert_eq!(again.code(), "conflict", "{again}");
    assert_eq!(s.store().grid_tree(1).await.unwrap().len(), tree.len());
}

#[tokio::test]
async fn first_run_refuses_a_weak_password_an_unknown_township_and_a_demo_database() {
    let t = test_station().await;
    let weak = InitSpec { admin_password: "1234567890".into(), ..spec(DAXU) };
    assert_eq!(t.station.init(&weak).await.unwrap_err().code(), "weak_password");
    let named = InitSpec { admin_password: "zhangadmin".into(), ..spec(DAXU) };
    assert_eq!(t.station.init(&named).await.unwrap_err().code(), "weak_password");
    let unknown = t.station.init(&spec("450802999")).await.unwrap_err();
    assert!(unknown.to_string().contains("450802999"), "{unknown}");
    assert!(t.station.store().grid_tree(1).await.unwrap().is_empty(), "nothing written by a refusal");

    let demo = demo_station(1).await;
    assert!(!demo.station.needs_init().await.unwrap());
    assert_eq!(demo.station.init(&spec(DAXU)).await.unwrap_err().code(), "conflict");
}

#[tokio::test]
async fn first_run_takes_another_prefectures_division_files() {
    // 玉林市 (4509): the division files a centre there would export, in the shipped files' columns.
    let dir = std::env::temp_dir().join(format!("redgrid_yulin_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("yulin-counties.csv"), "code,name\n450902,玉州区\n450921,容县\n").unwrap();
    std::fs::write(
        dir.join("yulin-townships.csv"),
        "code,name,county_code\n450902100,仁东镇,450902\n450921100,容州镇,450921\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("yulin-villages.csv"),
        "code,name,township_code\n450902100201,鹏垌村委会,450902100\n450902100202,仁东社区居委会,450902100\n\
         450921100201,东山村委会,450921100\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("guangxi-centres.csv"),
        "code,name,longitude,latitude\n450902,玉州区,110.151,22.628\n450921,容县,110.558,22.857\n",
    )
    .unwrap();
    let (divisions, _) = redgrid_api::init::divisions(Some(&dir)).await.unwrap();
    let choices = redgrid_api::init::township_choices(&divisions);
    assert_eq!(choices.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["仁东镇", "容州镇"]);
    assert_eq!((choices[0].county_name.as_str(), choices[0].villages), ("玉州区", 2));

    let t = test_station().await;
    let summary = t
        .station
        .init(&InitSpec {
            divisions: Some(dir.clone()),
            centre_name: "仁东镇综治中心".into(),
            ..spec("450902100")
        })
        .await
        .unwrap();
    assert_eq!((summary.township_name.as_str(), summary.villages), ("仁东镇", 2));
    let tree = t.station.store().grid_tree(1).await.unwrap();
    let names: Vec<&str> = tree.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["仁东镇", "鹏垌村", "仁东社区"]);
    let lon = tree[0].lon.unwrap();
    assert!((109.5..110.8).contains(&lon), "placed near 玉州区's centre: {lon}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn the_administrator_manages_accounts_and_each_change_is_audited() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    let weak = s.add_account(&admin, "duty1", Some("黄志明"), Role::DutyOfficer, "duty1").await.unwrap_err();
    assert_eq!(weak.code(), "weak_password", "{weak}");
    let bad_name = s.add_account(&admin, "Duty One", None, Role::DutyOfficer, "值班-黄志明-2026").await;
    assert_eq!(bad_name.unwrap_err().code(), "invalid");
    let added =
        s.add_account(&admin, "duty1", Some("黄志明"), Role::DutyOfficer, "值班-黄志明-2026").await.unwrap();
    assert_eq!((added.role, added.active, added.must_change_password), (Role::DutyOfficer, true, false));
    assert_eq!(
        s.add_account(&admin, "duty1", None, Role::Leader, "另一个人的密码-2026").await.unwrap_err().code(),
        "conflict"
    );
    // It signs in with that password at once.
    let officer = Seat::new(s.clone()).sign_in("duty1", "值班-黄志明-2026").await.unwrap().actor();
    assert_eq!(officer.role, Role::DutyOfficer);
    // Only the administrator manages accounts.
    assert_eq!(s.accounts(&officer).await.unwrap_err().code(), "forbidden");
    assert_eq!(s.set_account_role(&officer, "duty1", Role::Leader).await.unwrap_err().code(), "forbidden");

    s.set_account_active(&admin, "duty1", false).await.unwrap();
    let refused = Seat::new(s.clone()).sign_in("duty1", "值班-黄志明-2026").await.unwrap_err();
    assert_eq!(refused.code(), "bad_credentials", "a disabled account cannot sign in");
    s.set_account_active(&admin, "duty1", true).await.unwrap();
    Seat::new(s.clone()).sign_in("duty1", "值班-黄志明-2026").await.expect("re-enabled");

    let leader = s.set_account_role(&admin, "duty1", Role::Leader).await.unwrap();
    assert_eq!(leader.role, Role::Leader);
    let villages = DataScope::Villages(vec!["450802101201".into()]);
    let scoped = s.set_account_scope(&admin, "duty1", villages.clone()).await.unwrap();
    assert_eq!(scoped.scope, villages);
    let unknown = s.set_account_scope(&admin, "duty1", DataScope::Grids(vec!["450802999999".into()])).await;
    assert_eq!(unknown.unwrap_err().code(), "unknown_grid");

    // The last active administrator can be neither disabled nor demoted.
    let last = s.set_account_active(&admin, "zhangadmin", false).await.unwrap_err();
    assert_eq!(last.code(), "last_administrator", "{last}");
    assert_eq!(
        s.set_account_role(&admin, "zhangadmin", Role::Leader).await.unwrap_err().code(),
        "last_administrator"
    );
    s.add_account(&admin, "liadmin", None, Role::Administrator, "第二位-管理员-2026").await.unwrap();
    s.set_account_role(&admin, "zhangadmin", Role::Leader).await.expect("another administrator exists now");

    let commands = audit_commands(&t).await;
    for command in ["account_add", "account_disable", "account_enable", "account_role", "account_scope"] {
        assert!(commands.iter().any(|c| c == command), "{command} audited: {commands:?}");
    }
    let feed = s.store().feed_since(0, 1000).await.unwrap();
    assert!(feed.iter().filter(|e| e.entity == "account").count() >= 7, "each change is a feed entry");
}

#[tokio::test]
async fn five_wrong_passwords_lock_an_account_for_fifteen_minutes_and_each_is_audited() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    s.add_account(&admin, "duty1", None, Role::DutyOfficer, "值班-黄志明-2026").await.unwrap();
    for n in 1..=4 {
        let e = Seat::new(s.clone()).sign_in("duty1", "猜一猜-第几次").await.unwrap_err();
        assert_eq!(e.code(), "bad_credentials", "failure {n}");
    }
    let fifth = Seat::new(s.clone()).sign_in("duty1", "猜一猜-第几次").await.unwrap_err();
    assert_eq!(fifth.code(), "account_locked", "the fifth failure locks: {fifth}");
    let right = Seat::new(s.clone()).sign_in("duty1", "值班-黄志明-2026").await.unwrap_err();
    assert_eq!(right.code(), "account_locked", "even the right password waits out the lock");
    let listed = s.accounts(&admin).await.unwrap().into_iter().find(|a| a.account == "duty1").unwrap();
    assert!(listed.locked_until.is_some());

    let failures = audit_commands(&t).await.into_iter().filter(|c| c == "sign_in_failed").count();
    assert_eq!(failures, 5, "each failure is audited; a refusal while locked does not count again");
    let unknown = Seat::new(s.clone()).sign_in("nobody", "随便一个密码-2026").await.unwrap_err();
    assert_eq!(unknown.code(), "bad_credentials");
    assert_eq!(audit_commands(&t).await.into_iter().filter(|c| c == "sign_in_failed").count(), 6);

    t.clock.advance(Duration::minutes(16));
    Seat::new(s.clone()).sign_in("duty1", "值班-黄志明-2026").await.expect("the lock has run out");
    let cleared = s.accounts(&admin).await.unwrap().into_iter().find(|a| a.account == "duty1").unwrap();
    assert_eq!(cleared.locked_until, None);
    // The count started again: four more failures do not lock.
    for _ in 0..4 {
        Seat::new(s.clone()).sign_in("duty1", "又猜错了-再来").await.unwrap_err();
    }
    Seat::new(s.clone()).sign_in("duty1", "值班-黄志明-2026").await.expect("four failures do not lock");
}

#[tokio::test]
async fn a_reset_password_must_be_changed_before_anything_else() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    s.add_account(&admin, "duty1", None, Role::DutyOfficer, "值班-黄志明-2026").await.unwrap();
    let reset = s.reset_password(&admin, "duty1", "临时密码-请尽快修改").await.unwrap();
    assert!(reset.must_change_password);
    let seat = Seat::new(s.clone());
    let session = seat.sign_in("duty1", "临时密码-请尽快修改").await.unwrap();
    assert!(session.must_change_password);
    assert_eq!(seat.actor().unwrap_err().code(), "must_change_password", "no command before the change");
    assert_eq!(
        seat.change_password("临时密码-请尽快修改", "short").await.unwrap_err().code(),
        "weak_password"
    );
    assert_eq!(
        seat.change_password("临时密码-请尽快修改", "临时密码-请尽快修改").await.unwrap_err().code(),
        "weak_password",
        "the same password again is no change"
    );
    let changed = seat.change_password("临时密码-请尽快修改", "黄志明的-新密码-2026").await.unwrap();
    assert!(!changed.must_change_password);
    assert_eq!(seat.actor().unwrap().id, "duty1");
    Seat::new(s.clone()).sign_in("duty1", "黄志明的-新密码-2026").await.expect("the new password works");
    assert!(audit_commands(&t).await.iter().any(|c| c == "account_passwd"));
}

#[tokio::test]
async fn the_seat_locks_when_idle_and_ends_a_session_past_its_age_but_not_the_wall_screen() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    s.add_account(&admin, "duty1", None, Role::DutyOfficer, "值班-黄志明-2026").await.unwrap();
    s.add_account(&admin, "wall", None, Role::Wall, "大屏账号-只读-2026").await.unwrap();
    let seat = Seat::new(s.clone());
    seat.sign_in("duty1", "值班-黄志明-2026").await.unwrap();
    t.clock.advance(Duration::minutes(59));
    seat.actor().expect("used within the hour");
    // Commands alone (the window's background reads) do not keep a seat awake: only input does.
    t.clock.advance(Duration::minutes(2));
    assert_eq!(seat.actor().unwrap_err().code(), "locked", "an hour without input locks the seat");
    seat.unlock("值班-黄志明-2026").await.unwrap();
    for _ in 0..25 {
        t.clock.advance(Duration::minutes(59));
        seat.touch();
        if seat.actor().is_err() {
            break;
        }
    }
    let aged = seat.actor().unwrap_err();
    assert_eq!(aged.code(), "unauthenticated", "a session past 24 hours ends: {aged}");

    let wall = Seat::new(s.clone());
    wall.sign_in("wall", "大屏账号-只读-2026").await.unwrap();
    t.clock.advance(Duration::hours(30));
    assert_eq!(wall.actor().unwrap().role, Role::Wall, "the wall screen has neither limit");
}

#[tokio::test]
async fn signing_in_over_a_locked_seat_records_the_previous_persons_sign_out() {
    let t = demo_station(1).await;
    let seat = Seat::new(t.station.clone());
    seat.sign_in("duty1", DEMO_PASSWORD).await.unwrap();
    seat.lock().unwrap();
    seat.sign_in("duty2", DEMO_PASSWORD).await.unwrap();
    let mut last = t.station.store().recent_audit(2).await.unwrap();
    last.reverse();
    assert_eq!(
        (last[0].entry.command.as_str(), last[0].entry.actor_id.as_str()),
        ("sign_out", "duty1"),
        "duty1's session ends in duty1's name"
    );
    assert_eq!((last[1].entry.command.as_str(), last[1].entry.actor_id.as_str()), ("sign_in", "duty2"));
}

#[tokio::test]
async fn the_demo_password_and_the_simulator_are_refused_outside_a_demo_database() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    // An account whose password is the demo's cannot be made…
    assert_eq!(
        s.add_account(&admin, "duty1", None, Role::DutyOfficer, DEMO_PASSWORD).await.unwrap_err().code(),
        "weak_password"
    );
    // …and the demo's password-less sign-in and simulated terminals refuse a real database.
    let seat = Seat::new(s.clone());
    assert!(matches!(seat.sign_in_for_demo("zhangadmin").await, Err(ApiError::Forbidden(_))));
    let sim = redgrid_demo::sim::SimWorld::load(s).await.expect_err("the simulator refuses");
    assert_eq!(sim.code(), "forbidden", "{sim}");
    // In the demo itself both work.
    let demo = demo_station(1).await;
    assert!(demo.station.is_demo().await.unwrap());
    Seat::new(demo.station.clone()).sign_in_for_demo("duty1").await.unwrap();
    redgrid_demo::sim::SimWorld::load(&demo.station).await.unwrap();
}

#[tokio::test]
async fn an_administrators_change_ends_the_accounts_open_session() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    s.add_account(&admin, "duty1", None, Role::DutyOfficer, "值班-黄志明-2026").await.unwrap();
    let seat = Seat::new(s.clone());
    seat.sign_in("duty1", "值班-黄志明-2026").await.unwrap();
    s.set_account_role(&admin, "duty1", Role::Leader).await.unwrap();
    assert_eq!(seat.actor().unwrap_err().code(), "unauthenticated", "the old role's session is over");
    let leader = seat.sign_in("duty1", "值班-黄志明-2026").await.unwrap();
    assert_eq!(leader.role, Role::Leader, "signing in again gives the new role");

    // Another station changing the account reaches this one through the feed follower.
    s.note_account_changed("duty1");
    assert_eq!(seat.actor().unwrap_err().code(), "unauthenticated");

    // A reset while the seat is locked: unlocking with the temporary password still forces the change.
    seat.sign_in("duty1", "值班-黄志明-2026").await.unwrap();
    seat.lock().unwrap();
    s.reset_password(&admin, "duty1", "临时密码-请尽快修改").await.unwrap();
    let unlocked = seat.unlock("临时密码-请尽快修改").await.unwrap();
    assert!(unlocked.must_change_password);
    assert_eq!(seat.actor().unwrap_err().code(), "must_change_password");
    // One's own password change ends nothing.
    seat.change_password("临时密码-请尽快修改", "黄志明的-新密码-2026").await.unwrap();
    assert_eq!(seat.actor().unwrap().id, "duty1");
}

#[tokio::test]
async fn guesses_made_at_once_are_counted_before_any_is_checked() {
    let (t, admin) = initialised().await;
    let s = &t.station;
    s.add_account(&admin, "duty1", None, Role::DutyOfficer, "值班-黄志明-2026").await.unwrap();
    let guesses: Vec<_> = (0..20)
        .map(|n| {
            let station = s.clone();
            tokio::spawn(
                async move { Seat::new(station).sign_in("duty1", &format!("猜测密码-{n:04}")).await },
            )
        })
        .collect();
    let mut locked = 0;
    for guess in guesses {
        if guess.await.unwrap().unwrap_err().code() == "account_locked" {
            locked += 1;
        }
    }
    let checked = audit_commands(&t).await.into_iter().filter(|c| c == "sign_in_failed").count();
    assert_eq!(checked, 5, "only five guesses were ever checked");
    assert_eq!(locked, 16, "the fifth locked and the other fifteen found it locked");
    // Unknown names are audited without the text typed (it may be a password typed in the wrong field).
    Seat::new(s.clone()).sign_in("值班-黄志明-2026", "x").await.unwrap_err();
    let newest = &s.store().recent_audit(1).await.unwrap()[0];
    assert_eq!(newest.entry.actor_id, "unknown");
    assert!(!newest.entry.reason.contains("黄志明"), "{}", newest.entry.reason);
}

//! A duty officer's shift: it survives a restart of the console, it is handed over with a note the incoming
//! officer is shown (also after a restart), and a sign-out ends it.

use chrono::Duration;
use redgrid_api::session::Seat;
use redgrid_demo::township::DEMO_PASSWORD;

use crate::station::demo_station;

#[tokio::test]
async fn a_shift_survives_a_restart_and_the_handover_note_reaches_the_next_officer() {
    let t = demo_station(1).await;
    let s = &t.station;
    let first = Seat::new(s.clone()).sign_in("duty1", DEMO_PASSWORD).await.unwrap();
    let began = first.signed_in_at;

    // The console restarts two hours in: a new seat, the same officer.
    t.clock.advance(Duration::hours(2));
    let seat = Seat::new(s.clone());
    let again = seat.sign_in("duty1", DEMO_PASSWORD).await.unwrap();
    assert_eq!(again.signed_in_at, began, "the shift carries on after a restart");
    assert_eq!(
        seat.handover_summary().await.unwrap().shift_started_at,
        began,
        "and so does the handover's shift"
    );
    assert!(
        seat.shift_brief().await.unwrap().handover.is_none(),
        "a shift begun by signing in has no handover"
    );

    // Six hours of work: the officer uses the seat every half hour, so it never idles into its lock.
    for _ in 0..12 {
        t.clock.advance(Duration::minutes(30));
        seat.touch();
        seat.actor().expect("a working officer's seat stays open");
    }
    let incoming =
        seat.handover("duty2", DEMO_PASSWORD, "上莲村排水沟纠纷今晚需回访；#8 已超时").await.unwrap();
    assert_eq!(incoming.account, "duty2");
    let handed_at = incoming.signed_in_at;
    assert_eq!(handed_at, s.now());
    let brief = seat.shift_brief().await.unwrap();
    let handover = brief.handover.expect("the incoming officer is shown the handover");
    assert_eq!((handover.from_account.as_str(), handover.from_name.as_str()), ("duty1", "黄志明"));
    assert_eq!(handover.note, "上莲村排水沟纠纷今晚需回访；#8 已超时");
    assert!(handover.figures.starts_with("在办 "), "with the figures handed over: {}", handover.figures);

    // Restarted again: duty2's shift and the note are still there.
    t.clock.advance(Duration::hours(1));
    let seat = Seat::new(s.clone());
    let back = seat.sign_in("duty2", DEMO_PASSWORD).await.unwrap();
    assert_eq!(back.signed_in_at, handed_at);
    assert_eq!(seat.shift_brief().await.unwrap().handover.map(|h| h.note), Some(handover.note.clone()));

    // Signing out ends the shift.
    seat.sign_out().await.unwrap();
    t.clock.advance(Duration::minutes(5));
    let fresh = seat.sign_in("duty2", DEMO_PASSWORD).await.unwrap();
    assert_eq!(fresh.signed_in_at, s.now(), "after a sign-out the shift starts anew");
    assert!(seat.shift_brief().await.unwrap().handover.is_none());

    // Somebody else at the seat starts their own shift.
    t.clock.advance(Duration::minutes(5));
    let other = Seat::new(s.clone()).sign_in("duty3", DEMO_PASSWORD).await.unwrap();
    assert_eq!(other.signed_in_at, s.now());
}

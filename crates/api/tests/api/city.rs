//! The city-scale station (`redgrid demo seed --scale city`) that the console's benchmark opens.

use std::collections::{HashMap, HashSet};

use redgrid_demo::city::{seed_city, CityConfig};
use redgrid_store::QueueFilter;

use crate::station::test_station;

/// Guigang's division data: 74 townships and 1,195 villages and communities.
const TOWNSHIPS: usize = 74;
const VILLAGES: usize = 1_195;

fn ring_of(boundary: &str) -> Vec<(f64, f64)> {
    let geometry: serde_json::Value = serde_json::from_str(boundary).expect("boundaries are GeoJSON");
    assert_eq!(geometry["type"], "Polygon");
    geometry["coordinates"][0]
        .as_array()
        .expect("a ring")
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

/// Even-odd point-in-polygon.
fn inside(point: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let mut odd = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        if (y1 > point.1) != (y2 > point.1) && point.0 < x1 + (point.1 - y1) * (x2 - x1) / (y2 - y1) {
            odd = !odd;
        }
    }
    odd
}

#[tokio::test]
async fn the_city_station_has_guigangs_grids_force_cameras_and_open_events() {
    let t = test_station().await;
    let s = &t.station;
    // The grids are always the whole city; the force and the events are cut down to keep the test short.
    let config = CityConfig {
        workers: 6_000,
        full_time_workers: 1_314,
        cameras: 500,
        open_events: 800,
        ..Default::default()
    };
    let summary = seed_city(s, &config).await.expect("the city seeds into an empty store");

    let tree = s.store().grid_tree(3).await.unwrap();
    let mut per_depth: HashMap<i64, usize> = HashMap::new();
    for node in &tree {
        *per_depth.entry(node.depth).or_default() += 1;
    }
    assert_eq!(per_depth[&0], TOWNSHIPS, "every township of the division files");
    let comprehensive_villages = tree.iter().filter(|n| n.depth == 1).count();
    assert_eq!(comprehensive_villages, VILLAGES, "every village and community");
    let total: usize = per_depth.values().sum();
    assert!((30_000..=34_000).contains(&total), "about Guigang's 32,000 grids in four levels, got {total}");
    assert_eq!(total, summary.grids);
    assert!(per_depth[&3] > per_depth[&2] && per_depth[&2] > per_depth[&1], "each level finer than the last");
    let codes: HashSet<&str> = tree.iter().map(|n| n.code.as_str()).collect();
    for node in &tree {
        if let Some(parent) = &node.parent_code {
            assert!(codes.contains(parent.as_str()), "{} hangs under an existing grid", node.code);
        }
    }

    // Townships tile the map: no township's centre lies inside another township.
    let townships: Vec<(String, Vec<(f64, f64)>)> = s
        .store()
        .grid_boundaries_at(0)
        .await
        .unwrap()
        .into_iter()
        .map(|(code, _, _, boundary)| (code, ring_of(&boundary)))
        .collect();
    assert_eq!(townships.len(), TOWNSHIPS, "every township has a boundary");
    for node in tree.iter().filter(|n| n.depth == 0) {
        let centre = (node.lon.unwrap(), node.lat.unwrap());
        let holders: Vec<&str> =
            townships.iter().filter(|(_, ring)| inside(centre, ring)).map(|(c, _)| c.as_str()).collect();
        assert_eq!(holders, vec![node.code.as_str()], "{}'s centre lies in it alone", node.name);
    }
    let micro = s.store().grid_boundaries_at(3).await.unwrap();
    assert_eq!(micro.len(), per_depth[&3], "every micro grid has a boundary to draw");

    // The force: exactly as asked, each worker on existing grids, ids unique.
    let positions = s.store().worker_positions(None).await.unwrap();
    assert_eq!(positions.len(), config.workers);
    assert_eq!(summary.full_time_workers, config.full_time_workers);
    let ids: HashSet<&str> = positions.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), config.workers, "worker ids are unique");
    assert_eq!(summary.cameras, config.cameras);

    // The open events are all there for the queue, part-way through the loop, and some already overdue.
    let (rows, open_total) = s.queue(&QueueFilter::default(), 0, 5_000).await.unwrap();
    assert_eq!(open_total as usize, config.open_events);
    assert_eq!(rows.len(), config.open_events);
    assert_eq!(summary.open_events, config.open_events);
    let statuses: HashSet<String> = rows.iter().map(|v| v.stored.event.status.key().to_string()).collect();
    assert!(statuses.len() >= 4, "events stand at several steps of the loop: {statuses:?}");
    let now = s.now();
    assert!(
        rows.iter().any(|v| v.stored.event.due_at.is_some_and(|d| d < now)),
        "a centre's backlog has overdue events"
    );
    assert_eq!(s.store().verify_audit().await.unwrap().first_bad, None, "the audit chain verifies");

    // The demo accounts sign in, so the console can open on this station.
    let seat = redgrid_api::session::Seat::new(s.clone());
    seat.sign_in("duty1", redgrid_demo::township::DEMO_PASSWORD)
        .await
        .expect("the demo duty officer signs in");

    // A second seed into the same store is refused and changes nothing.
    let again = seed_city(s, &config).await.unwrap_err();
    assert!(again.to_string().contains("已有数据"), "{again}");
    assert_eq!(s.store().grid_count().await.unwrap() as usize, total);
}

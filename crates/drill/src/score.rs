//! How a drill is scored (docs/drills.md "Scorecard"), after the evaluation flow of GB/T 46792-2025:
//! indicators per inject, a score per inject, a weighted drill score and its conversion to a conclusion.
//!
//! Per inject, two indicators: **timeliness** — of the closed-loop steps the inject reached, the share done
//! within their limits — and **expected actions** — the share of the actions the scenario expected that
//! happened. An inject scores `60 × timeliness + 40 × actions`. With no step timed, timeliness is the
//! actions' share — an inject nobody worked earns nothing for it — and an inject with nothing expected and
//! nothing timed (a 失联 announcement) is met. The drill's score is the mean of its injects' scores weighted by severity (一般 1, 较大 2,
//! 重大 3, 特别重大 4), converted: ≥ 90 优秀, ≥ 75 良好, ≥ 60 合格, else 不合格.

/// What one inject achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectResult {
    /// Steps reached: whether each was done within its limit.
    pub steps_on_time: Vec<bool>,
    /// Expected actions: whether each happened.
    pub actions_done: Vec<bool>,
    /// 1–4.
    pub severity_weight: u32,
}

fn share(flags: &[bool]) -> f64 {
    if flags.is_empty() {
        1.0
    } else {
        flags.iter().filter(|f| **f).count() as f64 / flags.len() as f64
    }
}

/// An inject's score, 0–100, rounded to one decimal.
pub fn inject_score(result: &InjectResult) -> f64 {
    let actions = share(&result.actions_done);
    let timeliness = if result.steps_on_time.is_empty() { actions } else { share(&result.steps_on_time) };
    let raw = 60.0 * timeliness + 40.0 * actions;
    (raw * 10.0).round() / 10.0
}

/// The drill's score, 0–100, weighted by severity; 0 for a drill with no inject.
pub fn drill_score(results: &[InjectResult]) -> f64 {
    let weight: u32 = results.iter().map(|r| r.severity_weight.max(1)).sum();
    if weight == 0 {
        return 0.0;
    }
    let total: f64 = results.iter().map(|r| inject_score(r) * f64::from(r.severity_weight.max(1))).sum();
    ((total / f64::from(weight)) * 10.0).round() / 10.0
}

/// The conclusion a score converts to.
pub fn conclusion(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "优秀",
        s if s >= 75.0 => "良好",
        s if s >= 60.0 => "合格",
        _ => "不合格",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inject_scores_its_timeliness_and_its_actions() {
        let all =
            InjectResult { steps_on_time: vec![true, true], actions_done: vec![true], severity_weight: 1 };
        assert_eq!(inject_score(&all), 100.0);
        let late = InjectResult {
            steps_on_time: vec![true, false],
            actions_done: vec![true, false],
            severity_weight: 1,
        };
        assert_eq!(inject_score(&late), 50.0);
        let nothing = InjectResult { steps_on_time: vec![], actions_done: vec![false], severity_weight: 1 };
        assert_eq!(inject_score(&nothing), 0.0, "nobody worked it: no credit for timeliness either");
        let notice = InjectResult { steps_on_time: vec![], actions_done: vec![], severity_weight: 1 };
        assert_eq!(inject_score(&notice), 100.0, "nothing expected, nothing timed");
    }

    #[test]
    fn the_drill_weighs_serious_injects_more_and_converts_to_a_conclusion() {
        let good = InjectResult { steps_on_time: vec![true], actions_done: vec![true], severity_weight: 1 };
        let bad = InjectResult { steps_on_time: vec![false], actions_done: vec![false], severity_weight: 3 };
        assert_eq!(drill_score(&[good.clone(), bad]), 25.0);
        assert_eq!(drill_score(&[good]), 100.0);
        assert_eq!(drill_score(&[]), 0.0);
        assert_eq!(
            (conclusion(90.0), conclusion(89.9), conclusion(75.0), conclusion(60.0), conclusion(59.9)),
            ("优秀", "良好", "良好", "合格", "不合格")
        );
    }
}

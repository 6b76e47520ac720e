//! Payments, locks and fencing tokens (S5): read-modify-writes of account balances, exact
//! accounting of every payment, and what a lease that expires under a paused holder costs.

use models::results::{AccountSummary, DesignResult, LockSummary, RunResults};
use proptest::prelude::*;
use serde_json::{json, Value};

fn scenario_value() -> Value {
    let text = std::fs::read_to_string("scenarios/payment-lock.json").expect("scenario exists");
    serde_json::from_str(&text).expect("valid JSON")
}

fn run_value(v: &Value, seed: u64) -> RunResults {
    let s = models::load::load_str("payment-lock (test)", &v.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
    models::run::run_scenario(&s, seed, &[]).expect("scenario runs")
}

fn design<'a>(r: &'a RunResults, name: &str) -> &'a DesignResult {
    r.designs.iter().find(|d| d.name == name).expect("design")
}

fn accounts(d: &DesignResult) -> &AccountSummary {
    &d.accounts["accounts"]
}

fn locks(d: &DesignResult) -> &LockSummary {
    &d.locks["locks"]
}

#[test]
fn s5_without_a_lock_payments_double_spend_with_a_lease_only_under_the_pause_with_fencing_never() {
    let v = scenario_value();
    let r = run_value(&v, v["seed"].as_u64().expect("seed"));
    let (none, lock, fenced) = (
        design(&r, "no-lock"),
        design(&r, "lock"),
        design(&r, "lock-fencing"),
    );
    for d in [none, lock, fenced] {
        let a = accounts(d);
        assert_eq!(a.unbalanced_accounts, 0, "{}: money went missing", d.name);
        assert_eq!(a.double_spent_amount, 10 * a.double_spends, "{}", d.name);
        assert!(a.payments > 10_000, "{}: {} payments", d.name, a.payments);
    }
    // No lock: 200 payments/s over 50 accounts, 40 ms between read and write: a payment
    // overlaps another of its account about 1 time in 6 (2 × 4/s × 40 ms, Poisson).
    let a = accounts(none);
    let share = a.double_spends as f64 / a.paid as f64;
    assert!(
        (0.08..0.30).contains(&share),
        "no-lock double-spent {share:.3}"
    );
    // The lease serialises payments of an account, except around the pauses: leases
    // expire under the paused instance, whose writes then erase what the other wrote.
    let (a, l) = (accounts(lock), locks(lock));
    assert!(l.lease_expiries > 0 && a.lost_updates > 0);
    // At most two per expired lease: the paused holder's own write, and the write of the
    // payment that held the lock when it landed (that payment read the version the paused
    // write replaced).
    assert!(a.lost_updates <= 2 * l.lease_expiries, "{a:?} {l:?}");
    assert!(a.double_spends >= a.lost_updates);
    assert!(a.double_spends * 20 < accounts(none).double_spends);
    // Contention: a payment finds its account locked about 1 time in 5.
    assert!((0.1..0.3).contains(&l.conflict_rate), "{}", l.conflict_rate);
    // Fencing: the same expiries, but the stale holders' writes are refused.
    let (a, l) = (accounts(fenced), locks(fenced));
    assert_eq!(a.double_spends, 0);
    assert_eq!(a.lost_updates, 0);
    assert!(a.fenced > 0 && a.fenced <= l.lease_expiries, "{a:?} {l:?}");
    assert!(fenced.causes.contains_key("accounts: stale fencing token"));
}

#[test]
fn without_pauses_the_lease_alone_prevents_every_double_spend() {
    let mut v = scenario_value();
    v["faults"] = json!([]);
    let r = run_value(&v, 7);
    let lock = design(&r, "lock");
    assert_eq!(locks(lock).lease_expiries, 0);
    assert_eq!(accounts(lock).lost_updates, 0);
    assert_eq!(accounts(lock).double_spends, 0);
    assert!(accounts(design(&r, "no-lock")).double_spends > 0);
}

#[test]
fn a_payment_the_balance_does_not_cover_is_declined_and_nothing_overdraws() {
    let mut v = scenario_value();
    v["faults"] = json!([]);
    for d in v["designs"].as_array_mut().expect("designs") {
        d["account_stores"]["accounts"]["initial_balance"] = json!(1_000);
    }
    let r = run_value(&v, 3);
    let lock = design(&r, "lock");
    let a = accounts(lock);
    // 50 accounts of 1,000 pay 100 payments of 10 each: every account runs dry.
    // With the lease no update is lost, so exactly 100 are paid from each account and every
    // later payment is declined.
    assert_eq!(a.paid, 50 * 100, "{a:?}");
    assert_eq!(a.payments, a.paid);
    assert!(a.declined > 5_000, "{a:?}");
    assert!(lock.causes["accounts: insufficient funds"] > 0);
    assert_eq!(a.unbalanced_accounts, 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Whatever pauses hit the payment instances and however the lock service crashes,
    /// lock + fencing never pays twice, and every design's balances add up exactly.
    #[test]
    fn fencing_never_double_spends_under_any_pause_or_lock_crash(
        seed in 0u64..1_000,
        pauses in prop::collection::vec((0usize..2, 3.0f64..25.0, 0.2f64..4.0), 1..5),
        crash in prop::option::of(3.0f64..25.0),
    ) {
        let mut v = scenario_value();
        v["duration_s"] = json!(30);
        let mut faults: Vec<Value> = pauses
            .iter()
            .map(|(i, at, d)| json!({"at_s": at, "duration_s": d,
                                      "action": {"pause": {"target": format!("payments#{i}")}}}))
            .collect();
        let mut designs = v["designs"].as_array().expect("designs").clone();
        if let Some(at) = crash {
            // Only the designs with a lock service face its crash.
            designs.retain(|d| d.get("lock_services").is_some());
            faults.push(json!({"at_s": at, "duration_s": 1.0,
                               "action": {"crash": {"target": "locks"}}}));
        }
        v["designs"] = Value::Array(designs);
        v["faults"] = Value::Array(faults);
        v["assertions"] = json!([]);
        let r = run_value(&v, seed);
        for d in &r.designs {
            let a = accounts(d);
            prop_assert_eq!(a.unbalanced_accounts, 0, "{}", d.name);
            if d.name == "lock-fencing" {
                prop_assert_eq!(a.double_spends, 0, "{:?}", a);
            }
        }
    }
}

-- Demo databases seeded before the demo marker existed are recognised by their seed's audit record, so that
-- `--demo`, the simulator and the demo password keep working on them (and on nothing else).
INSERT INTO settings (key, value)
SELECT 'demo_seed', '1'
WHERE EXISTS (SELECT 1 FROM audit_log WHERE command = 'demo_seed')
  AND NOT EXISTS (SELECT 1 FROM settings WHERE key = 'demo_seed');

import { describe, expect, it } from 'vitest';
import { isRouterSetting, ROUTER_ENV_VARS } from './env-vars.ts';

describe('isRouterSetting', () => {
  it('holds for every variable in the list, the router\'s keys and the Redis, SMTP and encryption-key families', () => {
    for (const v of ROUTER_ENV_VARS) expect(isRouterSetting(v.name), v.name).toBe(true);
    for (const name of ['LEAD_API_KEYS', 'ADMIN_API_KEY', 'METRICS_API_KEY', 'DEDUPE_KEY', 'REDIS_CLUSTER_NODES', 'REDIS_PASSWORD', 'SMTP_PASS', 'FIELD_ENCRYPTION_KEY', 'FIELD_ENCRYPTION_KEY_PREVIOUS']) {
      expect(isRouterSetting(name), name).toBe(true);
    }
  });

  it('leaves partner variables alone, even those sharing a word with a setting', () => {
    for (const name of ['ACME_TOKEN', 'LEAD_PARTNER_TOKEN', 'ADMIN_PORTAL_TOKEN', 'METRICS_TOKEN', 'DEDUPE', 'REDISTRIBUTOR_KEY', 'FIELD_ENCRYPTION_KEYRING', 'SMTP']) {
      expect(isRouterSetting(name), name).toBe(false);
    }
  });
});

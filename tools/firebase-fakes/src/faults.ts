import type { IncomingMessage } from 'node:http';

/** Which fake a request reached; faults and request logs are kept per service. */
export type FakeService = 'ml' | 'storage' | 'oauth';

/**
 * What a fault does to a matching request:
 * - `status`: answer with this HTTP status (429/503/...) in Google's error envelope;
 * - `stall`: accept the request and never answer (a hung upload; the client must time out);
 * - `reset`: destroy the socket before handling (the request never took effect);
 * - `drop-response`: handle the request for real, then destroy the socket instead of answering
 *   (the classic "crash after the server acted" case: the client cannot know it succeeded).
 */
export type FaultAction =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'stall' }
  | { kind: 'reset' }
  | { kind: 'drop-response' };

/** One injected fault: which requests it hits and how many times before it is spent. */
export interface FaultRule {
  service: FakeService;
  method?: string;
  /** Tested against `pathname + search` of the request. */
  path?: RegExp;
  /** How many matching requests it affects; `Infinity` for a storm that never ends. */
  times: number;
  action: FaultAction;
}

/** Per-test fault plan: rules are consumed in the order they were added. */
export class FaultPlan {
  private rules: Array<FaultRule & { left: number }> = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times });
  }

  clear(): void {
    this.rules = [];
  }

  /** Returns the action for this request (and spends one use of its rule), if any. */
  take(service: FakeService, req: IncomingMessage): FaultAction | undefined {
    const target = req.url ?? '/';
    for (const rule of this.rules) {
      if (rule.left <= 0 || rule.service !== service) continue;
      if (rule.method && rule.method !== req.method) continue;
      if (rule.path && !rule.path.test(target)) continue;
      rule.left -= 1;
      return rule.action;
    }
    return undefined;
  }
}

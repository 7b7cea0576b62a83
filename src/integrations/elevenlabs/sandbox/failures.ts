import { type FailureSpec, SANDBOX_ENDPOINTS, type SandboxEndpoint } from './types';

interface ActiveFailure {
  spec: FailureSpec;
  remaining: number;
}

/** Per-endpoint failure injection, changeable at runtime; `times` counts down, then the endpoint recovers. */
export class FailureInjector {
  private readonly active = new Map<SandboxEndpoint, ActiveFailure>();

  constructor(
    private readonly random: () => number,
    initial: Partial<Record<SandboxEndpoint, FailureSpec>> = {},
  ) {
    this.setAll(initial);
  }

  set(endpoint: SandboxEndpoint, spec: FailureSpec | null): void {
    if (!SANDBOX_ENDPOINTS.includes(endpoint)) throw new Error(`unknown sandbox endpoint ${String(endpoint)}`);
    if (spec === null) {
      this.active.delete(endpoint);
      return;
    }
    if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1)) {
      throw new Error(`failure probability must be within 0..1, got ${spec.probability}`);
    }
    this.active.set(endpoint, { spec: { ...spec }, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  setAll(specs: Partial<Record<SandboxEndpoint, FailureSpec>>): void {
    this.active.clear();
    for (const [endpoint, spec] of Object.entries(specs) as [SandboxEndpoint, FailureSpec | undefined][]) {
      if (spec !== undefined) this.set(endpoint, spec);
    }
  }

  /** Decides for one request; consumes one of `times` when it fires. */
  take(endpoint: SandboxEndpoint): FailureSpec | undefined {
    const failure = this.active.get(endpoint);
    if (failure === undefined || failure.remaining <= 0) return undefined;
    if (failure.spec.probability !== undefined && this.random() >= failure.spec.probability) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.active.delete(endpoint);
    return failure.spec;
  }

  snapshot(): Partial<Record<SandboxEndpoint, FailureSpec & { remaining: number | null }>> {
    const out: Partial<Record<SandboxEndpoint, FailureSpec & { remaining: number | null }>> = {};
    for (const [endpoint, f] of this.active) {
      out[endpoint] = { ...f.spec, remaining: Number.isFinite(f.remaining) ? f.remaining : null };
    }
    return out;
  }
}

interface Injectable {
  times?: number;
  probability?: number;
}

interface ActiveFailure<S> {
  spec: S;
  remaining: number;
}

/** Per-key failure injection (HTTP endpoints, conversation channels), changeable at runtime; `times` counts down, then the key recovers. */
export class FailureInjector<K extends string, S extends Injectable> {
  private readonly active = new Map<K, ActiveFailure<S>>();

  constructor(
    private readonly keys: readonly K[],
    private readonly random: () => number,
    initial: Partial<Record<K, S>> = {},
  ) {
    this.setAll(initial);
  }

  set(key: K, spec: S | null): void {
    if (!this.keys.includes(key)) throw new Error(`unknown sandbox failure key ${String(key)}`);
    if (spec === null) {
      this.active.delete(key);
      return;
    }
    if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1)) {
      throw new Error(`failure probability must be within 0..1, got ${spec.probability}`);
    }
    this.active.set(key, { spec: { ...spec }, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  setAll(specs: Partial<Record<K, S>>): void {
    this.active.clear();
    for (const [key, spec] of Object.entries(specs) as [K, S | undefined][]) {
      if (spec !== undefined) this.set(key, spec);
    }
  }

  /** Decides for one request; consumes one of `times` when it fires. */
  take(key: K): S | undefined {
    const failure = this.active.get(key);
    if (failure === undefined || failure.remaining <= 0) return undefined;
    if (failure.spec.probability !== undefined && this.random() >= failure.spec.probability) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.active.delete(key);
    return failure.spec;
  }

  snapshot(): Partial<Record<K, S & { remaining: number | null }>> {
    const out: Partial<Record<K, S & { remaining: number | null }>> = {};
    for (const [key, f] of this.active) out[key] = { ...f.spec, remaining: Number.isFinite(f.remaining) ? f.remaining : null };
    return out;
  }
}

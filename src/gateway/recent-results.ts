/** Answers kept for a while by key, so a retried step (its first answer lost) gets the same answer. */
export class RecentResults<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();

  constructor(private readonly keepMs: number) {}

  get(key: string): T | undefined {
    this.forgetOld();
    return this.entries.get(key)?.value;
  }

  set(key: string, value: T): T {
    this.forgetOld();
    this.entries.set(key, { value, at: Date.now() });
    return value;
  }

  private forgetOld(): void {
    const cutoff = Date.now() - this.keepMs;
    for (const [key, entry] of this.entries) {
      if (entry.at >= cutoff) break;
      this.entries.delete(key);
    }
  }
}

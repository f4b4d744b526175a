/** A bounded map that forgets the least recently used entry. */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private newest: K | undefined;

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    // Re-insert to mark it recent, unless it already is (the hot path of
    // a busy site asks for the same key again and again).
    if (value !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.newest = key;
    if (this.map.size > this.max) {
      this.map.delete(this.map.keys().next().value as K);
    }
  }

  get size(): number {
    return this.map.size;
  }
}

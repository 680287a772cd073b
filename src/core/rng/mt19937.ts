/**
 * MT19937, the 32-bit Mersenne Twister (Matsumoto & Nishimura 1998), seeded exactly as
 * std::mt19937 and PyTorch's CPU generator (`at::mt19937`): the seed is truncated to 32 bits.
 */
export class Mt19937 {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number | bigint) {
    const s = Number(BigInt.asUintN(32, BigInt(seed)));
    this.state[0] = s;
    for (let i = 1; i < 624; i++) {
      const prev = this.state[i - 1] as number;
      const x = (prev ^ (prev >>> 30)) >>> 0;
      // 1812433253 * x + i, modulo 2^32, without losing precision in float64.
      this.state[i] = (Math.imul(1812433253, x) + i) >>> 0;
    }
  }

  /** Next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < 624; i++) {
      const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % 624] as number) & 0x7fffffff);
      let next = (mt[(i + 397) % 624] as number) ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      mt[i] = next >>> 0;
    }
    this.index = 0;
  }
}

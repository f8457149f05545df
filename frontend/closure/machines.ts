// Per-architecture facts the loaders use: Debian's multiarch triplet, the $PLATFORM value and
// glibc's glibc-hwcaps subdirectories (best first). Keyed by elfy's machine names.
export interface MachineFacts {
  triplet: string;
  platform: string;
  hwcaps: string[];
}

const MACHINES: Record<string, MachineFacts> = {
  amd64: { triplet: "x86_64-linux-gnu", platform: "x86_64", hwcaps: ["x86-64-v4", "x86-64-v3", "x86-64-v2"] },
  "386": { triplet: "i386-linux-gnu", platform: "i686", hwcaps: [] },
  AArch64: { triplet: "aarch64-linux-gnu", platform: "aarch64", hwcaps: [] },
  arm: { triplet: "arm-linux-gnueabihf", platform: "v7l", hwcaps: [] },
  ppc64: { triplet: "powerpc64le-linux-gnu", platform: "power9", hwcaps: ["power10", "power9"] },
  s390: { triplet: "s390x-linux-gnu", platform: "z13", hwcaps: ["z16", "z15", "z14", "z13"] },
};

export function machineFacts(machine: string): MachineFacts {
  return MACHINES[machine] ?? { triplet: `${machine}-linux-gnu`, platform: machine, hwcaps: [] };
}

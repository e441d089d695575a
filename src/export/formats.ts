// The formats `sentinel export` writes. Apart from the contract (which needs zod) so the CLI can name
// them without loading zod: the CLI bundle stays free of it (about 730 KB of its 1 MB when it was not).
export const EXPORT_FORMATS = ['systemd', 'kubernetes', 'nomad', 'compose'] as const;

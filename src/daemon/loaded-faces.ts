// Optional faces mark themselves here when their module is loaded, so daemon.status can prove that a
// daemon without a TCP listener never loaded the HTTP framework.
export const loadedFaces = new Set<string>();

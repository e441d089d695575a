/** One page of the dashboard: its element and what to stop when the user leaves it. */
export interface View { el: HTMLElement; title: string; dispose(): void }

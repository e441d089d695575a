// A worker that reports a line every second.
let n = 0;
setInterval(() => {
  n += 1;
  console.log(`worker tick ${n}`);
}, 1000);
process.on('SIGTERM', () => {
  console.log(`worker stopping after ${n} ticks`);
  process.exit(0);
});

// A pretend database migration: does its work, says so, exits 0.
const steps = ['create table users', 'create table orders', 'add index orders_by_user'];
let i = 0;
const timer = setInterval(() => {
  console.log(`migration ${i + 1}/${steps.length}: ${steps[i]}`);
  i += 1;
  if (i === steps.length) {
    clearInterval(timer);
    console.log('migrations applied');
  }
}, 150);

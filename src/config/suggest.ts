// Did-you-mean lives in the core (the supervisor suggests process names too); the config code imports it from here.
export { didYouMean, editDistance, suggest } from '../core/suggest.js';

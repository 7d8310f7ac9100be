export { Deque } from './deque.js';

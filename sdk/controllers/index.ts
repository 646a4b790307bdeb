export * from './ipam.js';
export * from './bitmap.js';

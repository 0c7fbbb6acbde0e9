export * from './server.js';
export * from './bot-credentials.js';

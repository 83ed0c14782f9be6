// The typed contract shared by the engine's API, Electron main/preload, the web bridge and the renderer.
export * from './contract.js';
export * from './contract-schemas.js';
export { dispatch, errorCode } from './dispatch.js';
export { createApiClient, ApiCallError, type ApiClient, type Transport, type TransportStatus } from './api-client.js';
export { ClientMessageSchema, MAX_CLIENT_MESSAGE, type ClientMessage, type ServerMessage } from './wire.js';
export { callChannel, eventChannel } from './ipc-channels.js';

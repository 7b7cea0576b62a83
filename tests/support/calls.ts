// The call helpers live in live-call.ts; suites written before the live call path import them from here.
export { callResult, callStatus, eventually, HISTORIES_DIR, maybeRecordHistory, uniqueCaller } from './live-call';

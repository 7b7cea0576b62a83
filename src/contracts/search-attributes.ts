import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes shown and filterable in the Temporal Web UI. They must be registered on
// the cluster before use: the dev server and the tests pass them at start; for a real cluster run
// `temporal operator search-attribute create --name <Name> --type Keyword` for each (see README).
export const CallPhaseKey = defineSearchAttributeKey('CallPhase', SearchAttributeType.KEYWORD);
export const VoiceSourceKey = defineSearchAttributeKey('VoiceSource', SearchAttributeType.KEYWORD);
export const CallerIdKey = defineSearchAttributeKey('CallerId', SearchAttributeType.KEYWORD);
export const ThreeCxCallIdKey = defineSearchAttributeKey('ThreeCxCallId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [CallPhaseKey, VoiceSourceKey, CallerIdKey, ThreeCxCallIdKey];

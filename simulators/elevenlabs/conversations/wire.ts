import { callDurationSecs, conversationStatus, type DynamicValue, type SandboxConversation, type SandboxTurn } from './model';

function turnWire(t: SandboxTurn): Record<string, unknown> {
  return {
    role: t.role,
    message: t.message,
    tool_calls: [],
    tool_results: [],
    feedback: null,
    llm_override: null,
    time_in_call_secs: t.timeInCallSecs,
    conversation_turn_metrics: null,
    rag_retrieval_info: null,
    llm_usage: null,
    interrupted: t.interrupted,
    original_message: null,
    source_medium: 'audio',
  };
}

/** [SPEC ConversationHistorySIPTrunkingPhoneCallModel]; inbound only (the product places no outbound calls). */
function phoneCallWire(c: SandboxConversation): Record<string, unknown> | null {
  if (c.phoneCall === null) return null;
  return {
    type: 'sip_trunking',
    direction: 'inbound',
    phone_number_id: c.phoneCall.phoneNumberId,
    agent_number: c.phoneCall.agentNumber,
    external_number: c.phoneCall.externalNumber,
    call_sid: c.phoneCall.callSid,
  };
}

/** The system__ variables the platform adds ([ELD] customization/dynamic-variables.mdx). */
function systemVariables(c: SandboxConversation): Record<string, DynamicValue> {
  const base: Record<string, DynamicValue> = { system__agent_id: c.agentId, system__current_agent_id: c.agentId, system__conversation_id: c.conversationId };
  if (c.phoneCall === null) return base;
  return { ...base, system__caller_id: c.phoneCall.externalNumber, system__called_number: c.phoneCall.agentNumber, system__call_sid: c.phoneCall.callSid };
}

/** conversation_initiation_client_data as returned [SPEC ConversationInitiationClientDataRequest-Output]: what was received plus system__ variables. */
function clientDataWire(c: SandboxConversation): Record<string, unknown> {
  const { type: _type, ...received } = c.clientData ?? {};
  return {
    ...received,
    conversation_config_override: c.clientData?.conversation_config_override ?? {},
    user_id: c.userId,
    dynamic_variables: { ...c.dynamicVariables, ...systemVariables(c) },
  };
}

function metadataWire(c: SandboxConversation, now: number): Record<string, unknown> {
  const finished = conversationStatus(c, now) === 'done';
  return {
    start_time_unix_secs: Math.floor(c.startedAtMs / 1000),
    accepted_time_unix_secs: Math.floor(c.startedAtMs / 1000),
    call_duration_secs: callDurationSecs(c, now),
    cost: finished ? 100 + 10 * callDurationSecs(c, now) : null,
    termination_reason: c.terminationReason,
    error: c.error,
    main_language: 'en',
    phone_call: phoneCallWire(c),
    batch_call: null,
    text_only: false,
    conversation_initiation_source: c.initiationSource,
    timezone: null,
  };
}

/** GetConversationResponseModel [SPEC], also the `data` of post_call_transcription (elevenlabs-api.md §4.3). */
export function conversationWire(c: SandboxConversation, now: number): Record<string, unknown> {
  const status = conversationStatus(c, now);
  const finished = status === 'done';
  const hasUserAudio = c.audio.some((a) => a.direction === 'user');
  const hasAgentAudio = c.audio.some((a) => a.direction === 'agent');
  return {
    agent_id: c.agentId,
    conversation_id: c.conversationId,
    status,
    user_id: c.userId,
    transcript: c.transcript.map(turnWire),
    metadata: metadataWire(c, now),
    analysis: finished
      ? {
          evaluation_criteria_results: {},
          data_collection_results: {},
          call_successful: 'success',
          transcript_summary: `The agent talked with the caller for ${callDurationSecs(c, now)} seconds.`,
          call_summary_title: 'Sandbox conversation',
        }
      : null,
    conversation_initiation_client_data: clientDataWire(c),
    has_audio: finished && (hasUserAudio || hasAgentAudio),
    has_user_audio: finished && hasUserAudio,
    has_response_audio: finished && hasAgentAudio,
  };
}

/** ConversationSummaryResponseModel [SPEC]. */
export function conversationSummaryWire(c: SandboxConversation, now: number, agentName: string | null): Record<string, unknown> {
  const status = conversationStatus(c, now);
  return {
    agent_id: c.agentId,
    agent_name: agentName,
    conversation_id: c.conversationId,
    start_time_unix_secs: Math.floor(c.startedAtMs / 1000),
    call_duration_secs: callDurationSecs(c, now),
    message_count: c.transcript.length,
    status,
    call_successful: status === 'done' ? 'success' : status === 'failed' ? 'failure' : 'unknown',
    transcript_summary: status === 'done' ? 'The agent talked with the caller.' : null,
    call_summary_title: status === 'done' ? 'Sandbox conversation' : null,
    direction: c.phoneCall === null ? null : 'inbound',
  };
}

-- CreateTable
CREATE TABLE "call_conversations" (
    "conversation_id" VARCHAR(255) NOT NULL,
    "call_id" VARCHAR(255) NOT NULL,
    "step" VARCHAR(20) NOT NULL,
    "voice_id" VARCHAR(255),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_conversations_pkey" PRIMARY KEY ("conversation_id")
);

-- CreateTable
CREATE TABLE "post_call_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event_type" VARCHAR(64) NOT NULL,
    "conversation_id" VARCHAR(255) NOT NULL,
    "call_id" VARCHAR(255),
    "payload" JSON NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(6),

    CONSTRAINT "post_call_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "call_conversations_call_id_step_key" ON "call_conversations"("call_id", "step");

-- CreateIndex
CREATE INDEX "post_call_events_call_id_idx" ON "post_call_events"("call_id");

-- CreateIndex
CREATE INDEX "post_call_events_received_at_idx" ON "post_call_events"("received_at");

-- CreateIndex
CREATE UNIQUE INDEX "post_call_events_event_type_conversation_id_key" ON "post_call_events"("event_type", "conversation_id");

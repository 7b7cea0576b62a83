-- CreateTable
CREATE TABLE "pending_handoffs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "call_id" VARCHAR(255) NOT NULL,
    "attempt" INTEGER NOT NULL,
    "sip_number" VARCHAR(32) NOT NULL,
    "caller_id" VARCHAR(255),
    "voice_id" VARCHAR(255) NOT NULL,
    "voice_source" VARCHAR(20) NOT NULL,
    "initiation_data" JSON NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "matched_at" TIMESTAMPTZ(6),
    "conversation_id" VARCHAR(255),
    "released_at" TIMESTAMPTZ(6),

    CONSTRAINT "pending_handoffs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_clone_consent" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "caller_id" VARCHAR(255) NOT NULL,
    "given_at" TIMESTAMPTZ(6) NOT NULL,
    "method" VARCHAR(64) NOT NULL,
    "recorded_by" VARCHAR(255) NOT NULL,
    "evidence" VARCHAR(2048),
    "withdrawn_at" TIMESTAMPTZ(6),
    "withdrawn_by" VARCHAR(255),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "voice_clone_consent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "pending_handoffs_sip_number_created_at_idx" ON "pending_handoffs"("sip_number", "created_at");

-- CreateIndex
CREATE INDEX "pending_handoffs_caller_id_created_at_idx" ON "pending_handoffs"("caller_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "pending_handoffs_call_id_attempt_key" ON "pending_handoffs"("call_id", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "voice_clone_consent_caller_id_key" ON "voice_clone_consent"("caller_id");

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "caller_voice_mapping" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "caller_id" VARCHAR(255) NOT NULL,
    "voice_sample_url" VARCHAR(2048) NOT NULL,
    "voice_name" VARCHAR(255) NOT NULL,
    "description" TEXT,
    "account_id" VARCHAR(255),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "caller_voice_mapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_clone_cache" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "caller_id" VARCHAR(255) NOT NULL,
    "cloned_voice_id" VARCHAR(255) NOT NULL,
    "clone_created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ttl_expires_at" TIMESTAMPTZ(6) NOT NULL,
    "reuse_count" INTEGER NOT NULL DEFAULT 1,
    "last_used_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "voice_clone_cache_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "call_id" VARCHAR(255) NOT NULL,
    "threecx_call_id" VARCHAR(255) NOT NULL,
    "caller_id" VARCHAR(255) NOT NULL,
    "cloned_voice_id" VARCHAR(255),
    "call_started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "call_ended_at" TIMESTAMPTZ(6),
    "duration_seconds" INTEGER,
    "transcript" TEXT,
    "status" VARCHAR(50) NOT NULL DEFAULT 'initiated',
    "metadata" JSON NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "voice_clone_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "caller_id" VARCHAR(255) NOT NULL,
    "cloned_voice_id" VARCHAR(255),
    "clone_created_at" TIMESTAMPTZ(6),
    "api_response_time_ms" INTEGER,
    "sample_file_size_bytes" INTEGER,
    "status" VARCHAR(50) NOT NULL,
    "error_message" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "voice_clone_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clone_ready_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "caller_id" VARCHAR(255) NOT NULL,
    "greeting_call_id" VARCHAR(255) NOT NULL,
    "cloned_voice_id" VARCHAR(255) NOT NULL,
    "clone_duration_ms" INTEGER NOT NULL,
    "ready_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clone_ready_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clone_failed_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "caller_id" VARCHAR(255) NOT NULL,
    "greeting_call_id" VARCHAR(255) NOT NULL,
    "error_message" TEXT NOT NULL,
    "failed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clone_failed_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clone_transfer_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "greeting_call_id" VARCHAR(255) NOT NULL,
    "agent_call_id" VARCHAR(255) NOT NULL,
    "cloned_voice_id" VARCHAR(255) NOT NULL,
    "transferred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clone_transfer_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "caller_voice_mapping_caller_id_key" ON "caller_voice_mapping"("caller_id");

-- CreateIndex
CREATE INDEX "caller_voice_mapping_account_id_idx" ON "caller_voice_mapping"("account_id");

-- CreateIndex
CREATE INDEX "caller_voice_mapping_created_at_idx" ON "caller_voice_mapping"("created_at");

-- CreateIndex
CREATE INDEX "voice_clone_cache_caller_id_idx" ON "voice_clone_cache"("caller_id");

-- CreateIndex
CREATE INDEX "voice_clone_cache_cloned_voice_id_idx" ON "voice_clone_cache"("cloned_voice_id");

-- CreateIndex
CREATE INDEX "voice_clone_cache_ttl_expires_at_idx" ON "voice_clone_cache"("ttl_expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "call_log_call_id_key" ON "call_log"("call_id");

-- CreateIndex
CREATE INDEX "call_log_threecx_call_id_idx" ON "call_log"("threecx_call_id");

-- CreateIndex
CREATE INDEX "call_log_caller_id_idx" ON "call_log"("caller_id");

-- CreateIndex
CREATE INDEX "call_log_status_idx" ON "call_log"("status");

-- CreateIndex
CREATE INDEX "call_log_created_at_idx" ON "call_log"("created_at");

-- CreateIndex
CREATE INDEX "voice_clone_log_caller_id_idx" ON "voice_clone_log"("caller_id");

-- CreateIndex
CREATE INDEX "voice_clone_log_cloned_voice_id_idx" ON "voice_clone_log"("cloned_voice_id");

-- CreateIndex
CREATE INDEX "voice_clone_log_status_idx" ON "voice_clone_log"("status");

-- CreateIndex
CREATE INDEX "clone_ready_events_caller_id_idx" ON "clone_ready_events"("caller_id");

-- CreateIndex
CREATE INDEX "clone_ready_events_greeting_call_id_idx" ON "clone_ready_events"("greeting_call_id");

-- CreateIndex
CREATE INDEX "clone_ready_events_ready_at_idx" ON "clone_ready_events"("ready_at");

-- CreateIndex
CREATE INDEX "clone_failed_events_caller_id_idx" ON "clone_failed_events"("caller_id");

-- CreateIndex
CREATE INDEX "clone_failed_events_greeting_call_id_idx" ON "clone_failed_events"("greeting_call_id");

-- CreateIndex
CREATE INDEX "clone_failed_events_failed_at_idx" ON "clone_failed_events"("failed_at");

-- CreateIndex
CREATE INDEX "clone_transfer_events_greeting_call_id_idx" ON "clone_transfer_events"("greeting_call_id");

-- CreateIndex
CREATE INDEX "clone_transfer_events_agent_call_id_idx" ON "clone_transfer_events"("agent_call_id");

-- CreateIndex
CREATE INDEX "clone_transfer_events_transferred_at_idx" ON "clone_transfer_events"("transferred_at");

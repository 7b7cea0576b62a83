-- AlterTable
ALTER TABLE "voice_clone_cache" ADD COLUMN     "voice_deleted_at" TIMESTAMPTZ(6);

-- CreateIndex
CREATE INDEX "voice_clone_cache_last_used_at_idx" ON "voice_clone_cache"("last_used_at");

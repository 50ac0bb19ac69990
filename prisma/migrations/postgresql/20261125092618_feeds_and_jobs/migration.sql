-- CreateTable
CREATE TABLE "ThreePlFeed" (
    "shop" TEXT NOT NULL,
    "columnMapping" TEXT NOT NULL DEFAULT '{}',
    "sftpEnabled" BOOLEAN NOT NULL DEFAULT false,
    "sftpHost" TEXT,
    "sftpPort" INTEGER NOT NULL DEFAULT 22,
    "sftpUsername" TEXT,
    "sftpPassword" TEXT,
    "sftpPrivateKey" TEXT,
    "sftpHostKey" TEXT,
    "sftpFolder" TEXT NOT NULL DEFAULT '.',
    "sftpPattern" TEXT NOT NULL DEFAULT '*.csv',
    "sftpProcessedFolder" TEXT NOT NULL DEFAULT 'processed',
    "sftpEveryMinutes" INTEGER NOT NULL DEFAULT 60,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ThreePlFeed_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "FeedImport" (
    "id" SERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "feed" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "fileName" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "accepted" INTEGER NOT NULL,
    "duplicates" INTEGER NOT NULL,
    "pending" INTEGER NOT NULL,
    "rejected" INTEGER NOT NULL,
    "rejections" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "FeedImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PendingFeedItem" (
    "id" SERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "matchKey" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "raw" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PendingFeedItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobRun" (
    "job" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "nextRunAt" TIMESTAMP(3) NOT NULL,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastStartedAt" TIMESTAMP(3),
    "lastFinishedAt" TIMESTAMP(3),
    "lastError" TEXT,
    "state" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("job","shop")
);

-- CreateIndex
CREATE INDEX "FeedImport_shop_receivedAt_idx" ON "FeedImport"("shop", "receivedAt");

-- CreateIndex
CREATE INDEX "PendingFeedItem_shop_matchKey_idx" ON "PendingFeedItem"("shop", "matchKey");

-- CreateIndex
CREATE UNIQUE INDEX "PendingFeedItem_shop_dedupeKey_key" ON "PendingFeedItem"("shop", "dedupeKey");

-- CreateIndex
CREATE INDEX "JobRun_shop_idx" ON "JobRun"("shop");

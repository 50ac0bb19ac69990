-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ThreePlFeed" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "columnMapping" TEXT NOT NULL DEFAULT '{}',
    "fileFormat" TEXT NOT NULL DEFAULT '{}',
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
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ThreePlFeed" ("columnMapping", "sftpEnabled", "sftpEveryMinutes", "sftpFolder", "sftpHost", "sftpHostKey", "sftpPassword", "sftpPattern", "sftpPort", "sftpPrivateKey", "sftpProcessedFolder", "sftpUsername", "shop", "updatedAt") SELECT "columnMapping", "sftpEnabled", "sftpEveryMinutes", "sftpFolder", "sftpHost", "sftpHostKey", "sftpPassword", "sftpPattern", "sftpPort", "sftpPrivateKey", "sftpProcessedFolder", "sftpUsername", "shop", "updatedAt" FROM "ThreePlFeed";
DROP TABLE "ThreePlFeed";
ALTER TABLE "new_ThreePlFeed" RENAME TO "ThreePlFeed";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

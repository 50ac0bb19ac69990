-- AlterTable
ALTER TABLE "ThreePlFeed" ADD COLUMN     "fileFormat" TEXT NOT NULL DEFAULT '{}';

/*
  Warnings:

  - You are about to drop the column `eventCount` on the `BotAnswer` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "BotAnswer" DROP COLUMN "eventCount";

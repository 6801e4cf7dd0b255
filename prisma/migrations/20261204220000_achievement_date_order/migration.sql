-- Achievement lists sort undated achievements last (DATE_DESC: "occurredOn" DESC NULLS LAST,
-- then id DESC). These indexes hold exactly that order, so that a page of an organization's
-- (or a level's, or a kind's) latest achievements is read off the index instead of sorted.
-- Prisma's schema language cannot say NULLS LAST; schema.prisma declares the same columns and
-- directions.
DROP INDEX "Achievement_organizationId_occurredOn_id_idx";
CREATE INDEX "Achievement_organizationId_occurredOn_id_idx" ON "Achievement"("organizationId", "occurredOn" DESC NULLS LAST, "id" DESC);

DROP INDEX "Achievement_level_occurredOn_id_idx";
CREATE INDEX "Achievement_level_occurredOn_id_idx" ON "Achievement"("level", "occurredOn" DESC NULLS LAST, "id" DESC);

DROP INDEX "Achievement_kind_occurredOn_id_idx";
CREATE INDEX "Achievement_kind_occurredOn_id_idx" ON "Achievement"("kind", "occurredOn" DESC NULLS LAST, "id" DESC);

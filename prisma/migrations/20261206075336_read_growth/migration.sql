-- Reads whose cost grew with the data (docs/performance.md, "Growth: scale 10").
--
-- An organization's articles, newest first, are read off an index of the link table instead of
-- joining every linked article and sorting them all. The link table keeps a copy of its article's
-- "publishedAt", and the index holds exactly the order of the list (PUBLISHED_AT_DESC:
-- "publishedAt" DESC NULLS LAST, then id DESC). Prisma's schema language cannot say NULLS LAST;
-- schema.prisma declares the same columns and directions.
--
-- The copy is kept by the two triggers below, for every writer (editorial mutations, the importer,
-- the corpus loader, the synthetic seed, hand-written SQL): a link takes its article's value when
-- it is written, and an article passes a new value on to its links.

-- AlterTable
ALTER TABLE "ArticleOrganization" ADD COLUMN     "publishedAt" TIMESTAMPTZ(3);

UPDATE "ArticleOrganization" link SET "publishedAt" = article."publishedAt"
FROM "Article" article WHERE article.id = link."articleId";

CREATE FUNCTION "ArticleOrganization_copy_article_order"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."publishedAt" := (SELECT article."publishedAt" FROM "Article" article WHERE article.id = NEW."articleId");
  RETURN NEW;
END
$$;

CREATE TRIGGER "ArticleOrganization_copy_article_order"
BEFORE INSERT OR UPDATE ON "ArticleOrganization"
FOR EACH ROW EXECUTE FUNCTION "ArticleOrganization_copy_article_order"();

CREATE FUNCTION "Article_pass_order_to_links"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Each updated link takes the new value through its own trigger (above).
  UPDATE "ArticleOrganization" SET "publishedAt" = NEW."publishedAt"
  WHERE "articleId" = NEW.id AND "publishedAt" IS DISTINCT FROM NEW."publishedAt";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Article_pass_order_to_links"
AFTER UPDATE OF "publishedAt" ON "Article"
FOR EACH ROW WHEN (OLD."publishedAt" IS DISTINCT FROM NEW."publishedAt")
EXECUTE FUNCTION "Article_pass_order_to_links"();

-- A root `achievements` list's totalCount counted every match: ten times the work for ten times
-- the rows. "AchievementTally" holds how many achievements there are of each level, kind and year
-- (of "occurredOn"), kept exact by the trigger below in the writer's own transaction, for every
-- writer; a count filtered by levels, kinds and whole years sums a few of its rows. Two writers
-- creating the same bucket at once may leave two rows for it: readers sum, so that is harmless.

-- CreateTable
CREATE TABLE "AchievementTally" (
    "id" SERIAL NOT NULL,
    "level" "AchievementLevel",
    "kind" "AchievementKind" NOT NULL,
    "year" INTEGER,
    "count" INTEGER NOT NULL,

    CONSTRAINT "AchievementTally_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AchievementTally_level_kind_year_idx" ON "AchievementTally"("level", "kind", "year");

INSERT INTO "AchievementTally" ("level", "kind", "year", "count")
SELECT "level", "kind", extract(year FROM "occurredOn")::int, count(*)::int FROM "Achievement" GROUP BY 1, 2, 3;

CREATE FUNCTION "AchievementTally_add"(bucket_level "AchievementLevel", bucket_kind "AchievementKind", bucket_year int, delta int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "AchievementTally" SET "count" = "count" + delta
  WHERE id = (SELECT id FROM "AchievementTally"
              WHERE "level" IS NOT DISTINCT FROM bucket_level AND "kind" = bucket_kind AND "year" IS NOT DISTINCT FROM bucket_year
              ORDER BY id LIMIT 1);
  IF NOT FOUND THEN
    INSERT INTO "AchievementTally" ("level", "kind", "year", "count") VALUES (bucket_level, bucket_kind, bucket_year, delta);
  END IF;
END
$$;

CREATE FUNCTION "Achievement_tally"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM "AchievementTally_add"(OLD."level", OLD."kind", extract(year FROM OLD."occurredOn")::int, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM "AchievementTally_add"(NEW."level", NEW."kind", extract(year FROM NEW."occurredOn")::int, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Achievement_tally"
AFTER INSERT OR DELETE OR UPDATE OF "level", "kind", "occurredOn" ON "Achievement"
FOR EACH ROW EXECUTE FUNCTION "Achievement_tally"();

CREATE FUNCTION "Achievement_tally_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "AchievementTally";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Achievement_tally_truncate"
AFTER TRUNCATE ON "Achievement"
FOR EACH STATEMENT EXECUTE FUNCTION "Achievement_tally_truncate"();

-- CreateIndex
CREATE INDEX "ArticleOrganization_organizationId_publishedAt_articleId_ro_idx" ON "ArticleOrganization"("organizationId", "publishedAt" DESC NULLS LAST, "articleId" DESC, "role");

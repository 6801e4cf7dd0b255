-- The default order of `organizations` (NAME_ASC: name, then id): a page is read off this index
-- instead of sorting every organization.

-- CreateIndex
CREATE INDEX "Organization_name_id_idx" ON "Organization"("name", "id");

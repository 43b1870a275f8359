-- An achievement's figures are the statistics whose source span lies in its section
-- (`Achievement.statistics`, `Statistic.achievement`): both are range joins on a
-- document's offsets.
CREATE INDEX statistics_source ON statistics (source_document, source_start);
CREATE INDEX achievements_source ON achievements (source_document, source_start);

import { builder } from './builder.js';

// The Prisma enums, exposed under the same names and values, each value documented. Shared by
// several type files.

export const OrganizationKindEnum = builder.enumType('OrganizationKind', {
  description: 'What kind of public body an organization is.',
  values: {
    PROCURATORATE: { description: 'A people’s procuratorate (人民检察院).' },
    COURT: { description: 'A people’s court (人民法院).' },
    PARTY_COMMITTEE: { description: 'A party committee or leading party group (党委、党组).' },
    PARTY_BRANCH: { description: 'A party branch inside an organization (党支部).' },
    GOVERNMENT: { description: 'A government body (政府部门).' },
    MEDIA: { description: 'A media outlet or official account (媒体).' },
    OTHER: { description: 'Any other body.' },
  } as const,
});

export const OrganizationLevelEnum = builder.enumType('OrganizationLevel', {
  description: 'Where an organization sits in the administrative hierarchy.',
  values: {
    NATIONAL: { description: 'National (国家级), e.g. 最高人民检察院.' },
    PROVINCIAL: { description: 'Provincial (省级).' },
    MUNICIPAL: { description: 'Municipal or prefectural (市级).' },
    DISTRICT: { description: 'District or county (区县级).' },
    UNIT: { description: 'A unit inside an organization, e.g. a party branch.' },
  } as const,
});

export const SeriesStatusEnum = builder.enumType('SeriesStatus', {
  description: 'Whether a series is still publishing episodes.',
  values: {
    ONGOING: { description: 'New episodes are still appearing.' },
    COMPLETED: { description: 'The series has ended.' },
  } as const,
});

export const ArticleStatusEnum = builder.enumType('ArticleStatus', {
  description: 'Editorial state. Anonymous callers only ever see PUBLISHED articles.',
  values: {
    DRAFT: { description: 'Not yet public; editors only.' },
    PUBLISHED: { description: 'Public.' },
    ARCHIVED: { description: 'Withdrawn from public view; editors only.' },
  } as const,
});

export const ArticleOrganizationRoleEnum = builder.enumType('ArticleOrganizationRole', {
  description: 'How an article relates to an organization.',
  values: {
    SUBJECT: { description: 'The organization the article profiles.' },
    MENTIONED: { description: 'An organization the article names.' },
    PUBLISHER: { description: 'The organization that published or credits the article.' },
  } as const,
});

export const AchievementKindEnum = builder.enumType('AchievementKind', {
  description: 'What sort of achievement it is.',
  values: {
    AWARD: { description: 'A prize in a competition or evaluation, e.g. 一等奖.' },
    HONOR: { description: 'An honorary title, e.g. 全国先进基层检察院.' },
    RANKING: { description: 'A position in a ranking, e.g. 全市第二; see `rank`.' },
    SELECTION: { description: 'Being chosen for a list or showcase, e.g. a case entering a case library.' },
    METRIC: { description: 'A reported figure, e.g. 52.2 万元; see `metric`.' },
    MILESTONE: { description: 'A dated event in the organization’s history, e.g. its founding.' },
  } as const,
});

export const AchievementLevelEnum = builder.enumType('AchievementLevel', {
  description: 'The reach of an achievement: who recognised it, or the scope of a ranking.',
  values: {
    NATIONAL: { description: 'Nationwide (全国).' },
    PROVINCIAL: { description: 'Province-wide (全省).' },
    MUNICIPAL: { description: 'City-wide (全市).' },
    DISTRICT: { description: 'Within a district (区县).' },
  } as const,
});

export const SourceKindEnum = builder.enumType('SourceKind', {
  description: 'What kind of origin a piece of content was federated from.',
  values: {
    PORTAL: { description: 'A news portal’s web page.' },
    WECHAT: { description: 'A WeChat official account.' },
    FEED: { description: 'An RSS or Atom feed.' },
    PARTNER: { description: 'A partner pushing content to us.' },
    OTHER: { description: 'Anything else.' },
  } as const,
});

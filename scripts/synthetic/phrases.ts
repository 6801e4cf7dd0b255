// Phrase pools for the synthetic data generator (scripts/synthetic/generate.ts). Data only: which pool is
// used where, and how the pieces are joined, is the generator's business.
//
// Place names are built from the two pools below, so the synthetic bodies are fictional (青川市,
// 石岭区 …) and no real local procuratorate is credited with made-up achievements. A few pairs
// that name well-known real places are excluded.

export const PLACE_FIRST = [
  ...'青云岚川江海山平安宁泰华兴长清明南北东西新昌源阳林石金玉白丰永康和德庆嘉临武文湘桂黔滇荆楚越秦晋燕岳雁鹤凤龙梅柳',
] as const;

export const PLACE_SECOND = [...'州川江山阳宁安平源溪岭河水城原泉峰湖塘陵沙坪林关丘'] as const;

export const REAL_PLACE_NAMES = new Set([
  '南宁', '长沙', '西安', '西宁', '南昌', '长春', '泰安', '安阳', '南阳', '平凉', '德阳', '丰城',
  '海城', '临江', '江山', '武安', '石泉', '和平', '永安', '康平', '清源', '白沙', '龙泉', '凤城',
  '青州', '云州', '江州', '凉山', '梅州', '柳州', '岳阳', '湘潭', '桂林', '金华', '玉林', '华阴',
  '宁安', '新安', '东川', '西湖', '东湖', '南湖', '北海', '青阳', '长安', '安宁', '德州',
  '泰州', '华山', '嵩山', '江阴', '海宁', '临安', '龙岩', '宁波', '石林', '武陵', '金沙', '文山',
  '黔江', '兴安', '兴宁', '平阳', '永州', '庆阳', '临沂', '鹤壁', '雁塔', '秦州', '晋城', '燕山',
]);

/** Article categories, as portals label them. */
export const CATEGORIES = ['国内资讯', '法治要闻', '检察动态', '基层风采'] as const;

/** Topic tags; place tags are added per article. */
export const TOPIC_TAGS = [
  '公益诉讼', '司法救助', '检察听证', '未成年人检察', '刑事检察', '民事检察', '行政检察',
  '基层检察院建设', '认罪认罚', '检察建议', '法治宣传', '党建', '队伍建设', '枫桥经验', '企业合规',
  '生态环境保护', '控告申诉', '案-件比',
] as const;

/** `{area}` is the publisher's place name (青川市, 云岭省). */
export const SERIES_TITLES = [
  '{area}检察人系列报道',
  '走进{area}基层检察院',
  '“{area}检察故事”系列报道',
  '{area}检察风采录',
  '{area}公益诉讼巡礼',
  '“检察为民”在{area}',
  '{area}基层检察院建设纪实',
  '{area}检察护航高质量发展系列报道',
] as const;

export const SERIES_DESCRIPTIONS = [
  '以{area}各基层检察院和检察人为题的系列报道。',
  '逐一走进{area}的基层检察院，记录检察工作的新进展。',
  '聚焦{area}检察机关依法能动履职的系列报道。',
] as const;

/** Article titles: `{opener}{name}{tail}`. */
export const TITLE_OPENERS = ['乘风破浪！', '砥砺前行！', '勇毅前行！', '踔厉奋发！', '守正创新！', '奋楫争先！', '笃行不怠！', ''] as const;
export const TITLE_TAILS = [
  '脱“薄弱”争先进',
  '以“检察蓝”守护“生态绿”',
  '把为民办实事落到实处',
  '书写新时代检察答卷',
  '在法治轨道上奋勇争先',
  '让公平正义可感可触',
  '以高质量检察履职服务高质量发展',
  '擦亮基层检察品牌',
  '答好公益保护“必答题”',
  '用心用情守护“未”来',
] as const;

/** Section headings, each ending as a short sentence. */
export const SECTION_HEADINGS = [
  '思想“破旧立新”。',
  '业务“提质增效”。',
  '队伍“固本强基”。',
  '为民“办好实事”。',
  '公益“守护家园”。',
  '监督“刚柔并济”。',
  '党建“引领发展”。',
  '改革“攻坚克难”。',
  '服务“保驾护航”。',
  '治理“标本兼治”。',
] as const;

/** Clauses with no facts in them; `{short}` is the subject's short name. */
export const FILLER_CLAUSES = [
  '{short}坚持以人民为中心，依法能动履职',
  '坚定落实少捕慎诉慎押刑事司法政策和认罪认罚从宽制度',
  '深化运用“案-件比”提升检察办案质效',
  '坚持和发展新时代检察“枫桥经验”，切实为民解忧',
  '坚持“应听证、尽听证”，以公开促公正，用听证赢公信',
  '坚持办案职能向社会治理领域延伸，促进诉源治理、标本兼治',
  '以“检察蓝”守护“生态绿”，助推生态文明建设实现新进步',
  '完善检察人员业绩考评制度和案件质量评查机制',
  '坚持做到“月度考评”“季度考评”“年度考核”相结合',
  '推进业务管理制度化、规范化，督促检察人员依法办案、尽责履职',
  '引导全院干警把坚定理想信念与履行检察职能结合起来',
  '持续加强检察干警教育培训，提升队伍专业化水平',
  '推动未成年人检察工作社会支持体系建设',
  '把司法救助作为检察为民的重要抓手',
  '深入推进企业合规改革，依法平等保护各类市场主体',
  '坚持“四大检察”全面协调充分发展',
  '主动融入地方发展大局，找准检察服务切入点',
  '强化对诉讼活动的法律监督，维护司法公正',
  '{short}党组坚持用党的创新理论武装头脑、指导实践、推动工作',
  '有了“金刚钻”，才能揽瓷器活',
  '筑牢了思想根基，才能提振队伍精气神',
  '从“埋头办案”到“抬头看路”，{short}不断优化检察履职',
  '坚持把案件质量作为检察工作的生命线',
  '认真落实“谁执法谁普法”普法责任制',
  '推动检察听证、检察建议等工作常态化开展',
  '坚持以“高质效办好每一个案件”为基本价值追求',
  '健全检察官权力清单和司法责任追究机制',
  '扎实开展“我为群众办实事”实践活动',
  '主动对接党委政府中心工作',
  '加强与公安、法院等部门的沟通协作，凝聚工作合力',
  '推进“智慧检务”建设，提升办案信息化水平',
  '把队伍建设作为基础性、战略性工作来抓',
  '持续深化全面从严治党、从严治检',
  '深入开展检察宣传，讲好检察故事',
] as const;

/** What follows "{short}自1990年6月建院以来，" when nothing is recalled there. */
export const INTRO_CLAUSES = [
  '一代代检察人接续奋斗、薪火相传',
  '始终把法律监督作为立身之本',
  '扎根基层、服务群众，在平凡岗位上书写担当',
  '始终坚持以人民为中心的发展思想',
  '在服务大局、司法为民中不断发展壮大',
] as const;

/** Second sentences of the introduction. */
export const INTRO_SENTENCES = [
  '近年来，{short}全面落实上级检察院关于加强基层检察院建设的部署要求，持续推动各项检察工作提质增效。',
  '面对新形势新任务，{short}坚持“能力提升”目标导向、“破解难题”问题导向、“全面进步”效果导向。',
  '{short}始终把讲政治与抓业务有机统一，把检察工作放在经济社会发展大局中谋划推进。',
  '一年多来，{short}锚定“争创一流”目标，持“四破”解困局，以实干实绩诠释检察担当。',
  '从“有没有”到“好不好”，{short}坚持以案件质量为生命线，推动检察履职由“量”向“质”转变。',
] as const;

/** The paragraph after the highlights; `{name}` is the subject's full name. */
export const SUMMARY_SENTENCES = [
  '这是{name}坚持依法能动履职、持续推动检察工作高质量发展的生动缩影。',
  '这是{name}近年来深耕主责主业、交出的一份亮眼成绩单。',
  '一项项成绩的背后，是{name}全体干警的默默坚守和接续奋斗。',
  '这是{name}以“脱薄攻坚”打出的一场翻身仗。',
] as const;

export const CLOSING_SENTENCES = [
  '迈步新征程，{short}将继续以高质量检察履职服务保障经济社会高质量发展。',
  '展望未来，{short}将坚持稳中求进，奋力推动各项检察工作再上新台阶。',
  '新征程上，{short}将持续擦亮检察为民底色，努力让人民群众在每一个司法案件中感受到公平正义。',
  '下一步，{short}将锚定目标、久久为功，以检察工作现代化服务保障地方发展。',
] as const;

// ---------------------------------------------------------------------------------------------
// Achievements. Issuer `parent` means the subject's ancestor at the achievement's level.

export interface HonorTemplate {
  name: string;
  level: 'NATIONAL' | 'PROVINCIAL' | 'MUNICIPAL' | 'DISTRICT';
  /**
   * An outside issuer by name ({province}, {city}, {district} are the subject's places);
   * otherwise the procuratorate at that level issues it.
   */
  issuerName?: string;
  /** Only for party branches (UNIT), or never for them. */
  unit?: boolean;
  /** Only for district (基层) procuratorates. */
  grassroots?: boolean;
}

export const HONORS: readonly HonorTemplate[] = [
  { name: '全国先进基层检察院', level: 'NATIONAL', grassroots: true },
  { name: '全国检察机关先进集体', level: 'NATIONAL' },
  { name: '全国模范检察院', level: 'NATIONAL' },
  { name: '全国检察宣传先进单位', level: 'NATIONAL' },
  { name: '全国检察机关文明接待室', level: 'NATIONAL' },
  { name: '全国青年文明号', level: 'NATIONAL', issuerName: '共青团中央' },
  { name: '全国巾帼文明岗', level: 'NATIONAL', issuerName: '全国妇联' },
  { name: '全省先进基层检察院', level: 'PROVINCIAL', grassroots: true },
  { name: '全省检察机关先进集体', level: 'PROVINCIAL' },
  { name: '全省检察机关“4+1”创建工程“示范院”', level: 'PROVINCIAL', grassroots: true },
  { name: '全省文明单位', level: 'PROVINCIAL', issuerName: '{province}精神文明建设委员会' },
  { name: '全省法治宣传教育先进单位', level: 'PROVINCIAL', issuerName: '{province}委宣传部、{province}司法厅' },
  { name: '全省维护妇女儿童权益先进集体', level: 'PROVINCIAL', issuerName: '{province}妇女儿童工作委员会' },
  { name: '全市先进基层党组织', level: 'MUNICIPAL', issuerName: '{city}委' },
  { name: '全市文明单位', level: 'MUNICIPAL', issuerName: '{city}精神文明建设委员会' },
  { name: '全市平安建设先进集体', level: 'MUNICIPAL', issuerName: '{city}委政法委' },
  { name: '全市检察机关先进集体', level: 'MUNICIPAL' },
  { name: '全市“五一劳动奖状”', level: 'MUNICIPAL', issuerName: '{city}总工会' },
  { name: '年度目标绩效考核优秀单位', level: 'DISTRICT', issuerName: '{district}委、{district}人民政府' },
  { name: '全省党支部标准化规范化建设示范点', level: 'PROVINCIAL', unit: true, issuerName: '{province}委组织部' },
  { name: '全省检察机关先进基层党组织', level: 'PROVINCIAL', unit: true },
  { name: '全市“五好”基层党组织', level: 'MUNICIPAL', unit: true, issuerName: '{city}委组织部' },
  { name: '全市机关“红旗党支部”', level: 'MUNICIPAL', unit: true, issuerName: '{city}直机关工委' },
  { name: '全区先进基层党组织', level: 'DISTRICT', unit: true, issuerName: '{district}委' },
];

export interface CompetitionTemplate {
  /** What was entered: 法治微课, 理论调研文章 … */
  work: string;
  competition: string;
  level: 'NATIONAL' | 'PROVINCIAL' | 'MUNICIPAL';
  unit?: boolean;
}

export const COMPETITIONS: readonly CompetitionTemplate[] = [
  { work: '法治微课', competition: '全国检察机关“法治进校园”精品网课评选', level: 'NATIONAL' },
  { work: '新媒体作品', competition: '全国检察机关新媒体优秀作品评选', level: 'NATIONAL' },
  { work: '理论调研文章', competition: '全国检察理论研究年会征文', level: 'NATIONAL' },
  { work: '法治微视频', competition: '全省检察机关法治微视频征集活动', level: 'PROVINCIAL' },
  { work: '理论调研文章', competition: '全省检察机关理论研讨会', level: 'PROVINCIAL' },
  { work: '案例', competition: '全省检察机关优秀案例评选', level: 'PROVINCIAL' },
  { work: '检察文化作品', competition: '全省检察文化建设成果展评', level: 'PROVINCIAL' },
  { work: '法治短视频', competition: '全市法治文化作品征集活动', level: 'MUNICIPAL' },
  { work: '调研报告', competition: '全市检察机关调研成果评选', level: 'MUNICIPAL' },
  { work: '微党课', competition: '全省机关党建微党课比赛', level: 'PROVINCIAL', unit: true },
  { work: '微党课', competition: '全市机关党建微党课比赛', level: 'MUNICIPAL', unit: true },
  { work: '党建品牌案例', competition: '全市机关党建品牌评选', level: 'MUNICIPAL', unit: true },
];

export const WORK_TITLE_FIRST = ['青春', '守护', '阳光', '护苗', '清风', '法治', '向阳', '检察', '春雨', '明镜'] as const;
export const WORK_TITLE_SECOND = ['航线', '成长', '课堂', '护航', '同行', '之声', '花开', '路上', '初心', '微光'] as const;

/** Prizes, with weights. */
export const PRIZES = [
  ['一等奖', 3],
  ['二等奖', 4],
  ['三等奖', 4],
  ['优秀奖', 2],
] as const;

export interface SelectionTemplate {
  list: string;
  level: 'NATIONAL' | 'PROVINCIAL' | 'MUNICIPAL';
  /** `cases`: n cases were selected; `people`: n procurators joined a talent pool. */
  what: 'cases' | 'case' | 'people';
}

export const SELECTIONS: readonly SelectionTemplate[] = [
  { list: '最高检指导性案例', level: 'NATIONAL', what: 'case' },
  { list: '最高检典型案例', level: 'NATIONAL', what: 'cases' },
  { list: '全国检察机关公益诉讼“千案展示”案例', level: 'NATIONAL', what: 'cases' },
  { list: '全国检察业务专家', level: 'NATIONAL', what: 'people' },
  { list: '全省检察机关优秀案例', level: 'PROVINCIAL', what: 'cases' },
  { list: '全省检察机关典型案例', level: 'PROVINCIAL', what: 'case' },
  { list: '全省检察业务专家人才库', level: 'PROVINCIAL', what: 'people' },
  { list: '全市检察机关精品案例', level: 'MUNICIPAL', what: 'cases' },
  { list: '全市检察业务骨干人才库', level: 'MUNICIPAL', what: 'people' },
];

export const CASE_TYPES = [
  '生态环境和资源保护公益诉讼案',
  '食品药品安全公益诉讼案',
  '未成年人综合司法保护案',
  '国家司法救助案',
  '民事支持起诉案',
  '刑事抗诉案',
  '行政非诉执行监督案',
  '英烈权益保护公益诉讼案',
] as const;

/** Rankings: `{scope}` is 全市/全省/全国, `{area}` the ranking body's place name. */
export const RANKINGS = [
  { kind: 'overall', title: '{year}年度{area}检察机关业务工作综合排名' },
  { kind: 'business', title: '{business}检察业务考核' },
  { kind: 'count', title: '听证案件数' },
  { kind: 'count', title: '案件质量评价指标' },
  { kind: 'count', title: '司法救助案件办理数' },
  { kind: 'count', title: '公益诉讼立案数' },
] as const;

export const BUSINESSES = ['刑事执行', '民事', '行政', '公益诉讼', '控告申诉', '未成年人', '职务犯罪', '刑事'] as const;

/** Rank weights: first places are reported more often than fifth places. */
export const RANK_WEIGHTS = [
  [1, 30],
  [2, 25],
  [3, 20],
  [4, 8],
  [5, 7],
  [6, 4],
  [7, 3],
  [8, 3],
] as const;

/**
 * Yearly figures. `{n}` is the value, `{m}` a second count (people), `{b}` the baseline. Values
 * are drawn in [min, max] with `decimals` places; a baseline lies above the value by `drop`.
 */
export interface MetricTemplate {
  key: string;
  lead: string;
  clause: string;
  title: string;
  unit: string;
  min: number;
  max: number;
  decimals: 0 | 1 | 3;
  /** The text also gives a head count: `{m}` is drawn in [n, 2n]. */
  people?: boolean;
  /** A before/after figure: the baseline is value + [drop[0], drop[1]]. */
  drop?: readonly [number, number];
}

export const METRICS: readonly MetricTemplate[] = [
  { key: 'pil-leads', lead: '以“检察蓝”守护“生态绿”', clause: '受理公益诉讼案件线索{n}件', title: '受理公益诉讼案件线索{n}件', unit: '件', min: 20, max: 400, decimals: 0 },
  { key: 'pil-cases', lead: '深入推进公益诉讼检察工作', clause: '立案办理公益诉讼案件{n}件', title: '立案办理公益诉讼案件{n}件', unit: '件', min: 10, max: 220, decimals: 0 },
  { key: 'pre-suit', lead: '坚持诉前实现保护公益目的是最佳司法状态', clause: '发出诉前检察建议{n}份', title: '发出诉前检察建议{n}份', unit: '份', min: 5, max: 160, decimals: 0 },
  { key: 'governance', lead: '坚持办案职能向社会治理领域延伸', clause: '发出社会治理类检察建议{n}份', title: '发出社会治理类检察建议{n}份', unit: '份', min: 3, max: 60, decimals: 0 },
  { key: 'aid-cases', lead: '坚持和发展新时代检察“枫桥经验”', clause: '办理国家司法救助案件{n}件{m}人', title: '办理国家司法救助案件{n}件', unit: '件', min: 5, max: 90, decimals: 0, people: true },
  { key: 'aid-money', lead: '切实为民解忧', clause: '发放司法救助金{n}万元', title: '发放司法救助金{n}万元', unit: '万元', min: 5, max: 320, decimals: 1 },
  { key: 'business-cases', lead: '依法平等保护各类市场主体', clause: '办理涉企案件{n}件{m}人', title: '办理涉企案件{n}件', unit: '件', min: 8, max: 120, decimals: 0, people: true },
  { key: 'recovered', lead: '深入推进企业合规改革', clause: '为企业追赃挽损{n}万元', title: '为企业追赃挽损{n}万元', unit: '万元', min: 40, max: 6000, decimals: 1 },
  { key: 'hearings', lead: '坚持“应听证、尽听证”', clause: '共对{n}件案件组织听证会', title: '对{n}件案件组织听证会', unit: '件', min: 10, max: 320, decimals: 0 },
  { key: 'typical-cases', lead: '高度重视典型案例的培育与撰写', clause: '选编上报典型案例{n}件', title: '选编上报典型案例{n}件', unit: '件', min: 5, max: 80, decimals: 0 },
  { key: 'papers', lead: '坚持以研促办', clause: '选送上报理论调研文章{n}篇', title: '选送上报理论调研文章{n}篇', unit: '篇', min: 5, max: 90, decimals: 0 },
  { key: 'plea-rate', lead: '全面落实认罪认罚从宽制度', clause: '认罪认罚从宽制度适用率达{n}%', title: '认罪认罚从宽制度适用率{n}%', unit: '%', min: 80, max: 98.9, decimals: 1 },
  { key: 'non-prosecution', lead: '坚定落实少捕慎诉慎押刑事司法政策', clause: '不捕不诉率同比上升{n}个百分点', title: '不捕不诉率同比上升{n}个百分点', unit: '个百分点', min: 1, max: 15, decimals: 0 },
  { key: 'case-ratio', lead: '深化运用“案-件比”提升检察办案质效', clause: '“案-件比”从1:{b}降至1:{n}', title: '“案-件比”从1:{b}降至1:{n}', unit: '案-件比(1:x)', min: 1.0, max: 1.2, decimals: 3, drop: [0.005, 0.12] },
  { key: 'prosecutions', lead: '依法履行刑事检察职能', clause: '审查起诉各类刑事案件{n}件{m}人', title: '审查起诉各类刑事案件{n}件', unit: '件', min: 90, max: 2400, decimals: 0, people: true },
  { key: 'school-talks', lead: '深入开展“法治进校园”活动', clause: '开展法治宣讲{n}场次', title: '开展法治宣讲{n}场次', unit: '场次', min: 10, max: 150, decimals: 0 },
  { key: 'juvenile', lead: '推动未成年人检察工作社会支持体系建设', clause: '办理涉未成年人案件{n}件', title: '办理涉未成年人案件{n}件', unit: '件', min: 10, max: 260, decimals: 0 },
  { key: 'petitions', lead: '落实群众信访件件有回复制度', clause: '受理群众来信来访{n}件', title: '受理群众来信来访{n}件', unit: '件', min: 30, max: 900, decimals: 0 },
  { key: 'missed', lead: '强化立案监督和侦查活动监督', clause: '追捕追诉漏犯{n}人', title: '追捕追诉漏犯{n}人', unit: '人', min: 1, max: 45, decimals: 0 },
  { key: 'forest', lead: '以“检察蓝”守护“生态绿”', clause: '督促修复被毁林地{n}亩', title: '督促修复被毁林地{n}亩', unit: '亩', min: 10, max: 2400, decimals: 1 },
  { key: 'state-assets', lead: '依法履行行政检察职能', clause: '督促追缴国有财产{n}万元', title: '督促追缴国有财产{n}万元', unit: '万元', min: 20, max: 8000, decimals: 1 },
  { key: 'party-age', lead: '持续优化班子结构', clause: '党组成员平均年龄从{b}岁降至{n}岁', title: '党组成员平均年龄从{b}岁降至{n}岁', unit: '岁', min: 40, max: 50, decimals: 0, drop: [3, 9] },
];

export const MILESTONE_FACILITIES = [
  '未成年人检察工作室',
  '检察听证室',
  '公益诉讼检察工作站',
  '知识产权检察工作室',
  '企业合规检察工作站',
  '“枫桥式”检察服务站',
  '12309检察服务中心',
] as const;

export const MILESTONE_NAMES = ['向阳花', '春苗', '暖阳', '护苗', '清风', '枫桥', '守护', '同心', '连心', '启航'] as const;

/** Chinese ordinals for party branches: 第一党支部 … */
export const BRANCH_ORDINALS = ['一', '二', '三', '四', '五'] as const;

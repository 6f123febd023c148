#!/usr/bin/env python
# ruff: noqa: E501, RUF001 - phrase banks: long lines of English and Chinese (full-width punctuation)
"""Quality-check efficacy: recall on planted defects, false positives on clean submissions.

Generates a labelled evaluation set (seeded, offline; the corpus section below): clean,
human-like submissions in English and Chinese across four templates (long answer with
sources and rubric, pairwise comparison, TTS listening rating, gold tasks), and copies with
one planted defect each. Every submission goes through every check in the catalogue, in
order, with the near-duplicate index growing as it goes, exactly as a project would run them.

    .venv/bin/python benchmarks/quality_efficacy.py            # 4000 submissions
    .venv/bin/python benchmarks/quality_efficacy.py --n 1000 --seed 7

"Flagged" means a warn or fail finding. Recall counts a planted defect as caught when the
check meant for it flags the submission; false positives are clean submissions flagged by
any check (agreement_outlier included), overall, per template and per language.

Defect classes: AI answer copied verbatim (with a typo or two) or paraphrased; near-copy of
another trainer's answer; self-copy of the trainer's own answer to another task; a source
the policy refuses; a malformed identifier, bare or inside a resolver link (doi.org with no
suffix, arxiv.org/abs with a letter O or a lost dot, a handle with no prefix); a long answer
written too fast; a pairwise judgment of two long responses made in 2-4 s with a one-line
reason; pasted text; audio not played; a wrong gold answer; straight-lining; an agreement
outlier (far from a consensus on every question). Honest long answers include 20-25
criteria rubrics over 4-7 sources. Partial copies (60-85% copied) are reported on their own
rows, outside the headline recall.

In process, with every check run in order: this measures the checks' judgement. What a
lagging or doubled worker, a late commit or an outlier that answers before its peers do to
verdicts is tested with real workers in tests/quality/test_workers_agree.py.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import random
import re
import statistics
import sys
import sysconfig
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality.checks import (  # noqa: E402
    CATALOGUE,
    CheckInput,
    NearDuplicateIndex,
    index_submission,
    similarity,
)

# ============================================================================================
# The evaluation corpus (also used by quality_throughput.py)
#
# Synthetic but varied submissions, seeded and offline. Answers are assembled from per-topic
# idea banks in English and Chinese. Every idea has many wordings (several slots with
# alternatives each), trainers differ in style, and AI reference answers are drawn from the
# same ideas in a more formal register, so clean human answers share topic vocabulary and
# phrasing with the references and with each other, as real ones do. Defects are planted on
# copies of clean material.
# ============================================================================================

# --------------------------------------------------------------------------------------------
# Idea banks. "{a|b|c}" picks one alternative; ideas are complete sentences.
# --------------------------------------------------------------------------------------------

EN_TOPICS = {
    "bias": {
        "prompt": "To what extent can benchmarks such as StereoSet, CrowS-Pairs and BBQ "
        "establish that a language model is unbiased?",
        "ideas": [
            "{Benchmarks|Bias test sets|Fixed probe datasets} {only|merely|at best} {measure|capture|probe} the "
            "{stereotypes|associations|harms} their {authors|designers|creators} {thought of|chose to include|wrote down}.",
            "A {good|low|clean} score {shows|means|tells us} {little|only something} about "
            "{items that were never tested|behaviour outside the benchmark|groups the dataset leaves out}.",
            "{Several|Many|A number of} {audits|studies|reviews} found that {items|sentence pairs|examples} in "
            "{StereoSet|CrowS-Pairs} {do not test a stereotype at all|are ungrammatical or confusing|mix up different harms}.",
            "{Likelihood probes|Sentence-pair comparisons|Masked language model scores} {differ from|do not reflect|say little about} "
            "how {people|users|customers} {meet|interact with|experience} a {deployed|production|released} model.",
            "{BBQ|The BBQ benchmark} {comes closer to|better approximates|is nearer to} {real behaviour|actual use|downstream tasks} "
            "because it {scores answers|evaluates responses|looks at answers} in {ambiguous|underspecified} contexts.",
            "{Intrinsic|Embedding-level|Representation} {bias metrics|measures|scores} {often fail to|do not reliably|rarely} "
            "{predict|correlate with|track} {bias in applications|downstream harm|what happens in real tasks}.",
            "{Post-training|Fine-tuning with human feedback|Instruction tuning} {changes|reshapes|alters} {behaviour|outputs|the model} "
            "in ways a {base-model|pre-training|static} {score|benchmark|test} {never sees|cannot observe|misses}.",
            "{Most|Many|These} benchmarks {cover|reflect|focus on} a {fixed|narrow|US-centric} {list|set} of "
            "{groups|identities|categories}, so {other cultures|non-English speakers|intersectional groups} are {missing|left out|ignored}.",
            "A {responsible|serious|careful} evaluation {should start from|must begin with|ought to start with} the "
            "{harms|risks|failures} that {matter|are at stake|could occur} in the {specific|actual|intended} use case.",
            "{Results|Scores|Findings} {should be|need to be|ought to be} {disaggregated|broken down|reported separately} "
            "{by group|for intersecting groups|across demographic groups}.",
            "{Evaluation|Monitoring|Testing} {should continue|needs to go on|has to continue} {after release|after deployment|once the model is live} "
            "because {usage|prompts|model versions} {change|shift|drift} over time.",
            "{Documentation|Model cards|Datasheets} {help|make it easier for|allow} {readers|auditors|users} to "
            "{see|understand|judge} {what was measured|the limits of the tests|where the data came from}.",
        ],
    },
    "remote": {
        "prompt": "Does the spread of remote work reduce or deepen regional economic inequality?",
        "ideas": [
            "Remote work {lets|allows|enables} {skilled|well-paid|professional} workers to {move away from|leave|escape} "
            "{expensive|crowded|high-cost} {cities|metropolitan areas|capitals}.",
            "{Only|Mostly|Largely} {a minority of|some|certain} {jobs|occupations|roles} can be done {remotely|from home|online}, "
            "and they are {concentrated|clustered|found} {in high-income sectors|among graduates|in finance and technology}.",
            "{Small towns|Rural regions|Peripheral areas} {gain|receive|attract} {new residents|spending|tax revenue} "
            "when {remote workers|newcomers|digital nomads} {arrive|settle|relocate there}.",
            "{House prices|Rents|Housing costs} {rise|go up|increase} in {popular|attractive|scenic} destinations, "
            "{pushing out|displacing|squeezing} {local families|long-time residents|low-income households}.",
            "{Broadband|Internet access|Digital infrastructure} {remains|is still|continues to be} {uneven|patchy|unequal} "
            "{across regions|between urban and rural areas|outside major cities}.",
            "{Firms|Employers|Companies} {still|often|tend to} {concentrate|keep|locate} {senior roles|promotions|headquarters} "
            "in {central offices|big cities|the capital}.",
            "{Local services|Cafes and shops|Public transport} in {city centres|downtown areas|business districts} "
            "{lose|suffer from|see a drop in} {customers|foot traffic|demand}.",
            "The {evidence|data|research} {so far|to date|available} is {mixed|limited|inconclusive}, "
            "{partly|mainly|largely} because {the shift|the change|remote work} is {recent|new|still evolving}.",
            "{Policy|Governments|Regional authorities} {can|could|should} {invest in|support|fund} "
            "{co-working spaces|training|connectivity} to {spread|share|distribute} the {gains|benefits}.",
            "{Hybrid arrangements|Part-time office attendance|Flexible schedules} {limit|reduce|constrain} "
            "how far {people|workers|employees} can {move|relocate|live} from the office.",
        ],
    },
    "polarisation": {
        "prompt": "Is social media the main driver of political polarisation?",
        "ideas": [
            "{Polarisation|Political division|Partisan hostility} {began rising|was growing|had started to increase} "
            "{before|long before|well before} {social media|Facebook and Twitter|smartphones} {became widespread|were popular|existed}.",
            "{Cable news|Talk radio|Partisan television} {also|likewise|similarly} {rewards|amplifies|favours} "
            "{outrage|conflict|extreme voices}.",
            "{Recommendation algorithms|Feeds|Ranking systems} {tend to|can|may} {promote|boost|amplify} "
            "{emotional|divisive|sensational} {content|posts|material}.",
            "{Experiments|Field studies|Randomised trials} that {paused|reduced|changed} {social media use|feeds|exposure} "
            "{found|showed|reported} {small|modest|mixed} {effects|changes} on {attitudes|polarisation|political views}.",
            "{Echo chambers|Filter bubbles|Information silos} are {smaller|less common|weaker} than {often assumed|people think|popular accounts suggest}, "
            "since {most users|many people|ordinary users} {see|encounter|come across} {some|a range of|diverse} {views|sources}.",
            "{Older people|Older voters|The elderly}, who {use|spend|rely on} social media {less|the least}, "
            "{have polarised|became divided|grew more partisan} {quickly|fast|the most} in {some|several} countries.",
            "{Economic inequality|Elite cues|Party strategies} {also|likewise|clearly} {shape|drive|influence} "
            "{how divided|how hostile|how partisan} {voters|citizens|people} become.",
            "{Platforms|Social networks|Online spaces} {make|render|turn} {disagreement|conflict|opposing views} "
            "{more visible|easier to see|louder} even when {opinions|beliefs|positions} {barely change|stay the same|are stable}.",
            "{Countries|Democracies|Nations} with {similar|comparable|high} social media {use|adoption} "
            "{show|display|have} {very different|diverging|contrasting} {trends|levels} of {polarisation|division}.",
            "{Reforms|Changes|Interventions} to {platform design|feeds|ranking} {may|can|might} {help|reduce harm}, "
            "but {they are|it is} {unlikely|not enough} to {solve|fix|reverse} the {problem|trend} {alone|on their own}.",
        ],
    },
    "wage": {
        "prompt": "What are the employment effects of raising the minimum wage?",
        "ideas": [
            "{Classic|Textbook|Simple} {theory|models|competitive models} {predict|suggest|imply} that a {higher|rising} minimum wage "
            "{reduces|cuts|lowers} {employment|jobs|hiring}.",
            "{Studies|Research|Work} comparing {neighbouring|adjacent|bordering} {counties|states|regions} "
            "{often|frequently|repeatedly} {finds|find|report} {small|little|negligible} {job losses|employment effects}.",
            "{Employer power|Monopsony|Labour market concentration} {can|may|might} {explain|account for|help explain} "
            "why {moderate|modest|small} {increases|rises} do not {destroy|eliminate|cost} {jobs|employment}.",
            "{Large|Very large|Steep} {increases|rises|jumps} {relative to|compared with|against} {local|median|regional} "
            "{wages|pay} are {riskier|more likely to cost jobs|harder to absorb}.",
            "{Firms|Employers|Businesses} {may|can|often} {adjust|respond} {through|by} {prices|hours|turnover} "
            "rather than {layoffs|firing|cutting jobs}.",
            "{Teenagers|Young workers|Low-skilled workers} are {the group|the workers|those} {most|more} {exposed|affected|at risk}.",
            "{Automation|Technology|Self-service machines} {could|may|might} {replace|substitute for|take over} "
            "some {low-wage|routine|entry-level} {tasks|jobs} {over time|in the long run|eventually}.",
            "{Evidence|Findings|Results} {from|in} {developing countries|places with large informal sectors|low-income economies} "
            "{differ|vary|look different} because {enforcement|compliance|coverage} is {weak|limited|partial}.",
            "{Higher pay|Raised wages|Better wages} {can|may|tend to} {reduce|lower|cut} {turnover|quitting|absenteeism} "
            "and {raise|improve|boost} {productivity|morale|effort}.",
            "{Indexing|Linking|Tying} the minimum wage to {median pay|inflation|living costs} {keeps|makes|helps keep} "
            "{increases|changes} {predictable|gradual|steady}.",
        ],
    },
}

ZH_TOPICS = {
    "trainer": {
        "prompt": "人工智能训练师的工作在后训练时代发生了哪些变化？",
        "ideas": [
            "{早期|过去|以前}的{标注|数据标注|打标签}工作{主要|大多|基本上}是{画框|给图片分类|整理语料}，{像流水线|重复性很强|技术含量不高}。",
            "{现在|如今|后训练阶段}训练师{需要|必须|要}{解释|说明|讲清楚}{为什么|背后的理由|判断的依据}，而不只是给出答案。",
            "{模型|大模型|系统}{越来越|日益|逐渐}{强|聪明|成熟}，{很多|不少|大量}{旧规则|原来的规则|老规则}{被取消|失效|不再需要}。",
            "{评分标准|Rubric|评价细则}{要求|需要}{每一条|每个条目|每项}都{引用|注明|附上}{论文|文献|权威来源}{并说明理由|和引用原因|以及支持逻辑}。",
            "{粤语|方言|语音}{评测|听测|评估}{依赖|需要|靠}{母语者|本地人|长期生活在当地的人}的{语感|直觉|经验}。",
            "{训练师|从业者|标注员}{担心|意识到|感到}自己{正在|可能在}{培养|训练|帮助}{替代自己的|取代自己的}{系统|机器|模型}。",
            "{平台|公司|项目方}{通过|利用|借助}{录屏|多模型交叉比对|相似度检测}来{防止|避免|杜绝}{直接使用|照搬|抄袭}AI{生成的内容|的答案}。",
            "{审美|品味|高级感}{这类|这种|此类}{模糊|难以量化|主观}的{判断|感受}{必须|需要|要}{拆解|转化|翻译}成{具体规则|可执行的标准|明确的条目}。",
            "{高质量|优质}{互联网数据|公开数据|网页数据}{接近|逼近|快到}{上限|天花板|枯竭}，{人的判断|专家经验|隐性知识}{变得|显得}{更加|愈发}{重要|珍贵|稀缺}。",
            "{出题人|规则制定者|数据策略人员}{负责|主要负责}{设计任务|拆解字段|制定标准}，{答题人|做题的人|一线训练师}{按规则|根据要求}{生产数据|完成任务}。",
        ],
    },
    "children": {
        "prompt": "城市化进程中，如何改善留守儿童的教育状况？",
        "ideas": [
            "{留守儿童|农村留守孩子|父母外出务工的孩子}{往往|常常|通常}{缺少|缺乏}{陪伴|家庭辅导|情感支持}。",
            "{祖辈|爷爷奶奶|隔代监护人}{文化程度|受教育水平}{不高|有限|较低}，{难以|很难|无法}{辅导|指导|帮助}{功课|学习|作业}。",
            "{寄宿制学校|寄宿学校|住校制度}{可以|能够|能}{弥补|缓解|减轻}{照顾不足|监护缺位|看护问题}，但{心理需求|情感需要}{容易被忽视|常被忽略}。",
            "{户籍制度|入学门槛|学籍政策}{限制|阻碍|影响}了{随迁子女|孩子}在{城市|父母工作地}{入学|上学|接受教育}。",
            "{乡村教师|农村老师|基层教师}{流失|短缺|不足}{严重|明显|突出}，{师资|教学质量}{难以保证|参差不齐|不稳定}。",
            "{网络课堂|在线教育|远程教学}{能够|可以|有助于}{共享|输送|引入}{优质课程|城市资源|名师课程}，但{设备|网络|家长监督}{仍是|依然是}{短板|难题|瓶颈}。",
            "{社区|村委会|社会组织}{可以|能够|应当}{开设|组织|提供}{课后托管|四点半课堂|周末活动}。",
            "{定期|经常|每周}{视频通话|电话联系|线上交流}{有助于|能够|可以}{维系|保持|加强}{亲子关系|家庭联系|情感纽带}。",
            "{政府|地方财政|教育部门}{应|需要|应该}{加大|增加|提高}对{农村学校|乡村教育|薄弱学校}的{投入|支持|拨款}。",
            "{心理健康|心理辅导|情绪支持}{教育|服务|课程}{应|需要}{纳入|进入|列入}{学校日常|课程体系|常规工作}。",
        ],
    },
    "video": {
        "prompt": "短视频平台对青少年阅读习惯有什么影响？",
        "ideas": [
            "{短视频|碎片化内容|刷视频}{让|使得|导致}{青少年|年轻人|学生}的{注意力|专注时间|耐心}{变短|下降|减少}。",
            "{长篇阅读|深度阅读|整本书阅读}{需要|要求|依赖}{持续|长时间|稳定}的{专注|投入|思考}。",
            "{不少|一些|部分}{知识类|科普类|读书类}{视频|博主|账号}{反而|也|其实}{激发|带动|引发}了{阅读兴趣|买书|看原著}。",
            "{算法推荐|推荐机制|个性化推送}{容易|往往|常常}{把|将}{用户|青少年|学生}{困在|局限在|锁在}{同类内容|信息茧房|兴趣圈子}里。",
            "{家长|父母|监护人}的{阅读习惯|示范|陪伴}对{孩子|青少年}{影响|作用}{很大|不小|明显}。",
            "{学校|老师|语文课}{可以|应当|能够}{设计|安排|组织}{读书会|阅读任务|共读活动}来{培养|引导|训练}{阅读能力|阅读习惯}。",
            "{调查|问卷|统计数据}{显示|表明|发现}{纸质书|图书|课外书}的{阅读量|阅读时间}{有所下降|在减少|没有明显变化}。",
            "{时间管理|使用时长限制|防沉迷设置}{有助于|可以|能够}{减少|降低|控制}{过度使用|沉迷|刷屏时间}。",
            "{视频|影像|多媒体}{并非|不一定|未必}{阅读的敌人|与阅读对立|只有坏处}，{关键|重点|问题}在于{如何使用|使用方式|引导}。",
        ],
    },
}

EN_HUMAN_OPENERS = [
    "I think",
    "In my view,",
    "Honestly,",
    "From what I have read,",
    "My answer is that",
    "I would argue that",
    "As far as I can tell,",
    "I am fairly sure that",
    "",
]
EN_HUMAN_LINKS = [
    "Also,",
    "Another thing:",
    "On top of that,",
    "But",
    "Still,",
    "That said,",
    "For example,",
    "In practice,",
    "To be fair,",
    "And",
    "",
    "",
    "",
]
EN_HUMAN_ASIDES = [
    "I saw this myself when I worked on a survey project last year.",
    "My cousin ran into exactly this problem at her company.",
    "This is the part most news coverage gets wrong, I think.",
    "I am not an economist, so take this with a grain of salt.",
    "We discussed this in a seminar and nobody fully agreed.",
    "It reminds me of a debate in my home town a few years ago.",
    "The numbers I remember are rough, but the direction is clear.",
    "Honestly the question is harder than it looks at first.",
]
EN_AI_OPENERS = [
    "This is a complex and multifaceted question.",
    "There is no simple answer to this question, but several key points stand out.",
    "Answering this question requires weighing several lines of evidence.",
]
EN_AI_LINKS = [
    "Firstly,",
    "Secondly,",
    "Moreover,",
    "Furthermore,",
    "Additionally,",
    "It is important to note that",
    "However,",
    "In addition,",
    "Notably,",
]
EN_AI_CLOSERS = [
    "In conclusion, the evidence suggests a nuanced picture rather than a simple yes or no.",
    "Overall, a balanced assessment must consider these factors together.",
    "Ultimately, the answer depends on context, and careful evaluation is essential.",
]
ZH_HUMAN_OPENERS = ["我觉得", "我的看法是，", "说实话，", "从我了解的情况看，", "个人认为，", ""]
ZH_HUMAN_LINKS = ["另外，", "还有，", "不过，", "比如，", "其实，", "而且，", "", ""]
ZH_HUMAN_ASIDES = [
    "我老家就有类似的情况。",
    "这一点我在实习时深有体会。",
    "身边不少朋友也这么说。",
    "这只是我的粗浅看法。",
    "我们上课讨论过这个问题，大家意见不一。",
]
ZH_AI_OPENERS = ["这是一个复杂且多层面的问题。", "要回答这个问题，需要从多个角度进行分析。"]
ZH_AI_LINKS = ["首先，", "其次，", "此外，", "同时，", "值得注意的是，", "另一方面，", "再者，"]
ZH_AI_CLOSERS = [
    "综上所述，这一问题需要多方协同、综合施策。",
    "总之，只有全面看待，才能得出客观的结论。",
]

# Light paraphrase: the substitutions a person makes when reworking someone else's text.
EN_SYNONYMS = {
    "only": "just",
    "measure": "assess",
    "shows": "indicates",
    "show": "indicate",
    "little": "not much",
    "many": "numerous",
    "found": "discovered",
    "often": "frequently",
    "people": "individuals",
    "because": "since",
    "change": "shift",
    "changes": "shifts",
    "should": "ought to",
    "after": "following",
    "help": "assist",
    "large": "big",
    "small": "minor",
    "increase": "rise",
    "increases": "rises",
    "reduce": "lower",
    "reduces": "lowers",
    "may": "might",
    "can": "could",
    "also": "too",
    "still": "yet",
    "important": "crucial",
    "evidence": "data",
    "studies": "research",
    "however": "but",
    "firstly": "first",
    "secondly": "second",
    "moreover": "also",
    "furthermore": "besides",
    "additionally": "plus",
    "essential": "vital",
    "complex": "complicated",
    "suggests": "implies",
    "consider": "weigh",
    "therefore": "so",
    "several": "various",
    "workers": "employees",
    "firms": "companies",
    "cities": "urban areas",
    "move": "relocate",
    "rise": "climb",
    "regions": "areas",
    "users": "people",
    "content": "material",
    "models": "systems",
    "model": "system",
    "groups": "communities",
    "harms": "damage",
    "results": "outcomes",
    "score": "result",
    "typically": "usually",
    "key": "main",
    "notably": "in particular",
    "overall": "all in all",
    "ultimately": "in the end",
    "evaluation": "assessment",
    "deployed": "released",
    "behaviour": "conduct",
    "polarisation": "division",
    "political": "partisan",
    "employment": "jobs",
    "wage": "pay",
    "wages": "pay",
    "productivity": "output",
    "policy": "policies",
}
ZH_SYNONYMS = {
    "需要": "要",
    "因此": "所以",
    "但是": "不过",
    "重要": "关键",
    "变得": "变成",
    "往往": "常常",
    "可以": "能",
    "能够": "可以",
    "首先": "第一",
    "其次": "第二",
    "此外": "另外",
    "同时": "与此同时",
    "问题": "难题",
    "影响": "作用",
    "模型": "系统",
    "孩子": "小孩",
    "学生": "学生们",
    "青少年": "年轻人",
    "提高": "提升",
    "减少": "降低",
    "增加": "加大",
    "显示": "表明",
    "主要": "基本",
    "复杂": "繁杂",
    "综上所述": "总的来说",
    "总之": "总而言之",
    "值得注意的是": "需要指出的是",
    "教育": "教学",
    "政府": "有关部门",
    "平台": "网站",
    "训练师": "标注师",
    "判断": "判定",
}

_SLOT_RE = re.compile(r"\{([^{}]*)\}")


def expand(template: str, rng: random.Random) -> str:
    return _SLOT_RE.sub(lambda m: rng.choice(m.group(1).split("|")), template)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _en_join(link: str, sentence: str) -> str:
    if not link:
        return _capitalise(sentence)
    if link.endswith((",", ":")) or link in ("But", "And"):
        return f"{link} {sentence[:1].lower() + sentence[1:]}"
    return f"{link} {sentence[:1].lower() + sentence[1:]}"


def human_answer(topic: dict, language: str, rng: random.Random, style: dict) -> str:
    """A trainer's answer: a personal subset and order of ideas, their own links and asides."""
    ideas = rng.sample(topic["ideas"], k=min(len(topic["ideas"]), rng.randint(5, 8)))
    sentences = [expand(idea, rng) for idea in ideas]
    if language == "en":
        out = []
        for i, sentence in enumerate(sentences):
            if i == 0:
                opener = rng.choice(EN_HUMAN_OPENERS)
                out.append(_en_join(opener, sentence) if opener else sentence)
            else:
                out.append(_en_join(rng.choice(EN_HUMAN_LINKS), sentence))
            if rng.random() < style["aside_rate"]:
                out.append(rng.choice(EN_HUMAN_ASIDES))
        text = " ".join(out)
        if rng.random() < style["typo_rate"]:
            text = _typo(text, rng)
        return text
    out = []
    for i, sentence in enumerate(sentences):
        link = rng.choice(ZH_HUMAN_OPENERS if i == 0 else ZH_HUMAN_LINKS)
        out.append(link + sentence)
        if rng.random() < style["aside_rate"]:
            out.append(rng.choice(ZH_HUMAN_ASIDES))
    return "".join(out)


def ai_answer(topic: dict, language: str, rng: random.Random) -> str:
    """A model's reference answer: most ideas, formal links, an opener and a conclusion."""
    ideas = rng.sample(topic["ideas"], k=min(len(topic["ideas"]), rng.randint(7, 9)))
    sentences = [expand(idea, rng) for idea in ideas]
    if language == "en":
        out = [rng.choice(EN_AI_OPENERS)]
        out += [_en_join(rng.choice(EN_AI_LINKS), s) for s in sentences]
        out.append(rng.choice(EN_AI_CLOSERS))
        return " ".join(out)
    return (
        rng.choice(ZH_AI_OPENERS)
        + "".join(rng.choice(ZH_AI_LINKS) + s for s in sentences)
        + rng.choice(ZH_AI_CLOSERS)
    )


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    word = words[i]
    if len(word) > 3:
        j = rng.randrange(1, len(word) - 1)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _split_sentences(text: str, language: str) -> list[str]:
    if language == "en":
        return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    return [s for s in re.split(r"(?<=[。！？])", text) if s]


def paraphrase(text: str, language: str, rng: random.Random, strength: float) -> str:
    """Light rework of someone else's text: synonyms, a dropped or added sentence, some
    sentences swapped. ``strength`` is the chance each known synonym is substituted."""
    sentences = _split_sentences(text, language)
    if len(sentences) > 5 and rng.random() < 0.6:
        del sentences[rng.randrange(1, len(sentences))]
    for _ in range(rng.randint(0, 2)):
        if len(sentences) > 2:
            i = rng.randrange(len(sentences) - 1)
            sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    if language == "en":
        if rng.random() < 0.5:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(EN_HUMAN_ASIDES))
        out = " ".join(sentences)

        def swap(match: re.Match) -> str:
            word = match.group()
            replacement = EN_SYNONYMS.get(word.lower())
            if replacement is None or rng.random() > strength:
                return word
            return _capitalise(replacement) if word[0].isupper() else replacement

        return re.sub(r"[A-Za-z]+", swap, out)
    if rng.random() < 0.5:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(ZH_HUMAN_ASIDES))
    out = "".join(sentences)
    for word, replacement in ZH_SYNONYMS.items():
        if word in out and rng.random() < strength:
            out = out.replace(word, replacement)
    return out


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

ALLOWED_URLS = [
    "https://www.nist.gov/itl/ai-risk-management-framework",
    "https://www.bls.gov/news.release/empsit.toc.htm",
    "https://www.census.gov/library/publications/2023/demo/p60-280.html",
    "https://www.moe.gov.cn/jyb_sjzl/sjzl_fztjgb/",
    "https://www.stats.gov.cn/sj/zxfb/202302/t20230228_1919011.html",
    "https://www.gov.hk/en/residents/education/",
    "https://www.edb.gov.hk/en/about-edb/publications-stat/figures/",
    "https://www.tsinghua.edu.cn/info/1177/1234.htm",
    "https://www.pku.edu.cn/about/index.htm",
    "https://www.ox.ac.uk/research/research-impact",
    "https://www.gov.uk/government/statistics/labour-market-overview",
    "https://www.who.int/publications/i/item/9789240029200",
    "https://www.oecd.org/employment/outlook/",
    "https://www.un.org/development/desa/dspd/",
    "https://eur-lex.europa.eu/eli/reg/2024/1689/oj",
    "https://www.nature.com/articles/s41586-021-03819-2",
    "https://link.springer.com/article/10.1007/s11127-019-00743-1",
    "https://www.sciencedirect.com/science/article/pii/S0047272719301367",
    "https://www.jstor.org/stable/2118030",
    "https://aclanthology.org/2021.acl-long.81/",
    "https://dl.acm.org/doi/10.1145/3442188.3445922",
    "https://ieeexplore.ieee.org/document/9355301",
    "https://www.cambridge.org/core/journals/american-political-science-review",
    "https://web.stanford.edu/group/scspi/",
    "https://economics.mit.edu/research/publications",
    "https://www.nber.org/papers/w25434",
    "https://www.federalreserve.gov/econres/feds/",
    "https://www.cnki.net/kcms/detail/11.1234.G4.20230101.html",
]
DENIED_URLS = [
    "https://en.wikipedia.org/wiki/Minimum_wage",
    "https://zh.wikipedia.org/wiki/留守儿童",
    "https://www.zhihu.com/question/123456789",
    "https://baike.baidu.com/item/短视频",
    "https://medium.com/@someone/why-ai-bias-benchmarks-fail-4c1d2",
    "https://www.reddit.com/r/economics/comments/abc123/",
    "https://blog.csdn.net/weixin_123/article/details/1",
]
NOT_ALLOWED_URLS = [
    "https://www.quora.com/Does-remote-work-reduce-inequality",
    "https://someblog.wordpress.com/2023/04/remote-work/",
    "https://www.nist.gov.example-mirror.com/ai-rmf",  # looks official, is not
    "https://notgov.cn/report.html",
    "https://www.bilibili.com/video/BV1xx411c7mD",
    "http://192.168.10.4/papers/bias.pdf",
    "https://www.techblog-news.net/ai/bias-benchmarks",
]
MALFORMED_IDS = [
    "10.123/abc.2020",  # registrant code too short
    "10.1126science.aal4230",  # missing slash
    "doi:10.1145/ 3442188",  # broken by a space
    "doi 10.18653/v1/2021",  # not a DOI form
    "arXiv:2113.00001",  # month 13
    "arXiv:0612.1234",  # new-style id before April 2007
    "arXiv:1805.1234",  # four-digit number after 2015
    "978-0-306-40615-8",  # ISBN check digit wrong (…-7 is right)
    "0-306-40615-3",  # ISBN-10 check digit wrong (…-2 is right)
]
# The same mistakes written as links to a resolver, which used to pass as "a URL on an
# allowed host" without the identifier inside being checked.
RESOLVER_MALFORMED_IDS = [
    "https://doi.org/10.1234",  # no suffix
    "https://doi.org/10.1126science.aal4230",  # missing slash
    "https://dx.doi.org/10.12/abc",  # registrant code too short
    "https://arxiv.org/abs/17O6.03762",  # letter O for a zero
    "https://arxiv.org/abs/170603762",  # the dot lost
    "https://arxiv.org/pdf/2113.00001",  # month 13
    "https://arxiv.org/abs/0612.1234v2",  # new style before April 2007
    "https://hdl.handle.net/handle",  # no prefix/suffix
]
SOURCE_POLICY = {
    "allow_domains": [
        ".gov",
        ".edu",
        ".gov.cn",
        ".edu.cn",
        ".gov.hk",
        ".edu.hk",
        ".ac.uk",
        ".gov.uk",
        "who.int",
        "oecd.org",
        "un.org",
        "europa.eu",
        "nature.com",
        "springer.com",
        "sciencedirect.com",
        "jstor.org",
        "aclanthology.org",
        "acm.org",
        "ieee.org",
        "cambridge.org",
        "nber.org",
        "cnki.net",
        "doi.org",
        "arxiv.org",
    ],
    "deny_domains": [
        "wikipedia.org",
        "zhihu.com",
        "baike.baidu.com",
        "medium.com",
        "reddit.com",
        "csdn.net",
    ],
}


def isbn13(rng: random.Random) -> str:
    digits = [9, 7, rng.choice([8, 9]), *(rng.randrange(10) for _ in range(9))]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    s = "".join(map(str, [*digits, check]))
    return f"{s[:3]}-{s[3]}-{s[4:8]}-{s[8:12]}-{s[12]}"


def isbn10(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(9)]
    check = (11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11) % 11
    s = "".join(map(str, digits)) + ("X" if check == 10 else str(check))
    return f"ISBN {s[0]}-{s[1:4]}-{s[4:9]}-{s[9]}"


def doi(rng: random.Random) -> str:
    prefix = rng.choice(
        [
            "10.1126",
            "10.1145",
            "10.18653",
            "10.1016",
            "10.1086",
            "10.1257",
            "10.1093",
            "10.1007",
            "10.1177",
            "10.1111",
        ]
    )
    suffix = rng.choice(
        [
            f"science.a{rng.randrange(10**6):06d}",
            f"v1/2021.acl-long.{rng.randrange(1, 600)}",
            f"j.jpubeco.2019.{rng.randrange(10**5):05d}",
            f"{rng.randrange(10**6, 10**7)}.{rng.randrange(10**6, 10**7)}",
            f"aer.{rng.randrange(2000, 2024)}{rng.randrange(1000, 9999)}",
        ]
    )
    form = rng.random()
    if form < 0.6:
        return f"{prefix}/{suffix}"
    if form < 0.8:
        return f"doi:{prefix}/{suffix}"
    return f"https://doi.org/{prefix}/{suffix}"


def arxiv(rng: random.Random) -> str:
    if rng.random() < 0.85:
        year, month = rng.randrange(15, 26), rng.randrange(1, 13)
        ident = f"{year:02d}{month:02d}.{rng.randrange(10**4, 10**5):05d}"
    elif rng.random() < 0.5:
        year, month = rng.randrange(8, 15), rng.randrange(1, 13)
        ident = f"{year:02d}{month:02d}.{rng.randrange(10**3, 10**4):04d}"
    else:
        archive = rng.choice(["hep-th", "cond-mat", "math", "quant-ph", "cs"])
        ident = f"{archive}/{rng.choice([97, 98, 99, 0, 1, 2, 5]):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 999):03d}"
    if rng.random() < 0.5:
        ident = "arXiv:" + ident + (f"v{rng.randrange(1, 4)}" if rng.random() < 0.5 else "")
    return ident


def clean_identifier(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.4:
        return doi(rng)
    if pick < 0.55:
        return arxiv(rng)
    if pick < 0.65:
        return isbn13(rng) if rng.random() < 0.7 else isbn10(rng)
    return rng.choice(ALLOWED_URLS)


# --------------------------------------------------------------------------------------------
# Short texts: pairwise reasons, TTS comments, rubric criteria
# --------------------------------------------------------------------------------------------

EN_REASONS = [
    "{Response A|The first reply|A} {answers the question directly|gets to the point|is more direct}, "
    "while {Response B|the second one|B} {wanders off topic|pads the answer|repeats itself}.",
    "{B|Response B|The second response} {gives|includes|has} {a working code example|concrete steps|a clear table} "
    "that {A lacks|the other one is missing|A does not have}.",
    "{Both|The two replies} are {mostly|largely|roughly} {correct|accurate|fine}, but {A|one of them} "
    "{makes a factual error about|gets wrong|misstates} {the date|the formula|the main claim}.",
    "{I preferred|I liked|I chose} {the shorter|the longer|the friendlier} {reply|answer} because "
    "{its tone fits the user|it is easier to follow|it explains the reasoning}.",
    "{The safety caveat|The warning|The disclaimer} in {B|A} is {unnecessary|excessive|helpful} "
    "{for this prompt|here|given the question}.",
    "{A|B} {cites|mentions|refers to} {a source|an example|the documentation} which makes it {more trustworthy|easier to verify|more useful}.",
    "{Neither|None of them} is {perfect|complete|great}: {A misses the edge case|B ignores the constraint|both skip the last step}.",
    "{The formatting|The structure|The layout} of {A|B} {with headings|with a list|in short paragraphs} "
    "{helps a lot|is much clearer|reads better}.",
]
ZH_REASONS = [
    "{A|回答A|第一个回答}{直接回答了问题|切中要点|更简洁}，而{B|回答B|第二个}{跑题了|有很多废话|重复啰嗦}。",
    "{B|回答B}{给出了|提供了}{具体步骤|可运行的代码|清楚的表格}，{A|回答A}{没有|缺少}这些内容。",
    "{两个回答|两者}{基本|大体}{正确|准确}，但{A|B}在{日期|公式|关键结论}上{有错误|说错了|不准确}。",
    "{我更喜欢|我选择|我倾向于}{语气更自然|解释更清楚|结构更合理}的那个回答。",
    "{A|B}的{安全提示|免责声明|警告}{对这个问题来说|在这里}{没有必要|太多了|很有帮助}。",
    "{A|B}{引用了|提到了}{资料来源|具体例子|官方文档}，{更可信|更容易核实|更有用}。",
]
EN_TTS_COMMENTS = [
    "{The tone on|The stress on|The pitch of} the {second|third|last} {word|syllable|phrase} {sounds flat|is off|feels robotic}.",
    "{Mostly natural|Quite natural|Fairly fluent}, but {there is a pause|the rhythm drops|it speeds up} {in the middle|near the end|before the question}.",
    "{The nasal final|A swallowed syllable|The final consonant} {is wrong|is unclear|gives it away} {at the start|halfway through|in the last sentence}.",
]
ZH_TTS_COMMENTS = [
    "{第二个|最后一个|中间那个}{字|词}的{声调|鼻音|韵尾}{不太对|有点怪|不自然}。",
    "{整体|大体上}{自然|流畅}，但{中间|结尾|句末}{停顿太长|语速忽快忽慢|有点机械}。",
    "{口音|发音}{更像广州话|偏香港口音|不够地道}，{懒音|吞音}{明显|比较多}。",
]
EN_CRITERIA = [
    (
        "Explains {why|how} {a low score|a benchmark result} does not prove {the absence of bias|fairness|safety}.",
        "{Readers|Graders} should {reward|credit} answers that {separate|distinguish} {measurement|the probe} from {the construct|the real harm}.",
    ),
    (
        "{Mentions|Discusses|Names} at least one {audit|critique|validity study} of the {benchmarks|datasets}.",
        "Without it the answer {takes|treats} the benchmarks at face value.",
    ),
    (
        "{Pitfall|Penalise}: claims a {model|system} is {unbiased|fair} because it {passes|scores well on} one test.",
        "This {overclaims|overstates} what a {fixed|static} test can show.",
    ),
    (
        "{Distinguishes|Separates} {short-run|immediate} from {long-run|lasting} {effects|outcomes}.",
        "{Effects|Outcomes} {often|can} {reverse|change} over {time|several years}.",
    ),
    (
        "{Uses|Cites} {quasi-experimental|natural-experiment|causal} {evidence|studies} {correctly|with care}.",
        "{Correlation|Simple comparisons} {alone|by themselves} cannot {settle|answer} the question.",
    ),
    (
        "{Considers|Discusses} {who gains|who loses|distributional effects} {across regions|between groups}.",
        "{Averages|Aggregate numbers} {hide|conceal|mask} {winners and losers|large differences}.",
    ),
    (
        "{Notes|Acknowledges} the {limits|gaps|uncertainty} of the {current|available} {evidence|data}.",
        "A {careful|good|strong} answer {admits|states} what is {not yet known|still uncertain|unresolved}.",
    ),
    (
        "{Pitfall|Penalise}: {relies on|cites} {anecdotes|a single study|opinion pieces} as {proof|decisive evidence}.",
        "{Single cases|Anecdotes} do not {generalise|establish a trend}.",
    ),
]
ZH_CRITERIA = [
    (
        "{指出|说明}{评分标准|规则}需要{解释理由|附上依据}。",
        "{只给答案|没有理由}的回答{价值有限|不够充分}。",
    ),
    ("{区分|分清}{短期|直接}影响和{长期|间接}影响。", "{影响|效果}{可能|往往}随时间{变化|反转}。"),
    (
        "{引用|使用}{官方统计|调查数据|权威研究}{支持|佐证}观点。",
        "{没有数据|缺少证据}的{结论|判断}{说服力弱|不可靠}。",
    ),
    ("{扣分项|减分}：{把个例当成规律|以偏概全}。", "{个别案例|单个故事}不能{代表整体|说明趋势}。"),
    (
        "{考虑|讨论}{家庭|学校|社区}{多方|不同主体}的{作用|责任}。",
        "{单一主体|只靠一方}{难以|无法}{解决问题|改变现状}。",
    ),
    (
        "{承认|说明}{现有研究|证据}的{局限|不足}。",
        "{好的|严谨的}回答{会说明|应指出}{尚不确定|仍有争议}的地方。",
    ),
]

# Words a reason may mention about the task at hand (what the responses were about).
EN_DETAILS = (
    "the boiling point|the treaty date|the recursion depth|the SQL join|the tax bracket|the dosage|"
    "the unit conversion|the citation year|the loop bound|the API name|the exchange rate|the verb tense|"
    "the rhyme scheme|the p-value|the null check|the time zone|the tone of the apology|the refund policy|"
    "the second paragraph|the final step|the base case|the list of ingredients|the train schedule|"
    "the error message|the regex|the word count|the table header|the chemical formula|the proof by induction"
)
ZH_DETAILS = (
    "沸点|条约年份|递归深度|SQL连接|税率档次|用药剂量|单位换算|引用年份|循环边界|接口名称|汇率|时态|"
    "押韵方式|显著性水平|空值判断|时区|道歉语气|退款规则|第二段|最后一步|基本情况|食材清单|列车时刻|"
    "报错信息|正则表达式|字数|表头|化学式|数学归纳法|粤语声调|地铁换乘|天气预报|菜谱步骤|合同条款"
)
EN_REASON_DETAIL = [
    "{A|B|Response A|Response B} gets {detail} wrong, {which matters here|so I marked it down|and that is the key point}.",
    "{Only|Just} {A|B} {mentions|handles|explains} {detail} {at all|properly|correctly}.",
    "{The explanation of|The part about} {detail} in {A|B} is {clearer|more accurate|too vague}.",
]
ZH_REASON_DETAIL = [
    "{A|B}把{detail}{说错了|写错了|搞混了}，{这点很关键|所以扣分|影响很大}。",
    "{只有|只是}{A|B}{提到了|解释了|处理了}{detail}。",
    "{A|B}关于{detail}的{解释|说明}{更清楚|更准确|太笼统}。",
]


def pairwise_reason(language: str, rng: random.Random, sentences: int) -> str:
    """A short reason that, like real ones, refers to specifics of the task."""
    general = ZH_REASONS if language == "zh" else EN_REASONS
    detailed = ZH_REASON_DETAIL if language == "zh" else EN_REASON_DETAIL
    details = (ZH_DETAILS if language == "zh" else EN_DETAILS).split("|")
    parts = []
    for template in [*rng.sample(general, sentences - 1), rng.choice(detailed)]:
        parts.append(expand(template.replace("{detail}", rng.choice(details)), rng))
    rng.shuffle(parts)
    return ("" if language == "zh" else " ").join(parts)


def blend(copied: str, own: str, language: str, rng: random.Random, share: float) -> str:
    """Copied sentences (in their order) interleaved with the trainer's own, ``share`` of the
    sentences being copied: how people pad out a borrowed answer."""
    theirs = _split_sentences(copied, language)
    mine = _split_sentences(own, language)
    keep = max(2, round(len(theirs) * share))
    start = rng.randrange(0, max(1, len(theirs) - keep + 1))
    borrowed = theirs[start : start + keep]
    own_count = max(1, round(len(borrowed) * (1 - share) / share))
    out = list(borrowed)
    for sentence in mine[:own_count]:
        out.insert(rng.randrange(len(out) + 1), sentence)
    return ("" if language == "zh" else " ").join(out)


# --------------------------------------------------------------------------------------------
# Real English prose for scale tests: sentences from the standard library's docstrings
# --------------------------------------------------------------------------------------------

_PROSE_SENTENCES: list[str] = []


def prose_sentences(max_files: int = 1000) -> list[str]:
    """Sentences of real English prose (Python standard-library docstrings), read offline.

    Scale tests need texts as diverse as a real project's (many tasks, many writers): a corpus
    where every text is a remix of a few dozen sentence templates makes every text a
    near-neighbour of thousands of others, which no real project looks like.
    """
    if _PROSE_SENTENCES:
        return _PROSE_SENTENCES
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p for p in root.rglob("*.py") if "test" not in p.parts and "site-packages" not in p.parts
    )
    seen = set()
    for path in files[:max_files]:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(
                node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
            ):
                continue
            doc = ast.get_docstring(node)
            if not doc or ">>>" in doc:
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(doc.split())):
                if 40 <= len(sentence) <= 300 and sentence not in seen and sentence[0].isupper():
                    seen.add(sentence)
                    _PROSE_SENTENCES.append(sentence)
    return _PROSE_SENTENCES


def prose_text(rng: random.Random, sentences: int) -> str:
    pool = prose_sentences()
    return " ".join(rng.choice(pool) for _ in range(sentences))


# ============================================================================================
# The benchmark
# ============================================================================================

LONG = {
    "schema_version": 1,
    "title": "Long answer with sources and rubric",
    "display": [{"type": "markdown", "field": "prompt", "label": "Question"}],
    "questions": [
        {"id": "answer", "type": "text", "prompt": "Your answer", "min_words": 40},
        {"id": "citations", "type": "citations", "prompt": "Sources", "min": 3, "max": 40},
        {
            "id": "rubric",
            "type": "rubric_items",
            "prompt": "Rubric",
            "min": 3,
            "max": 40,
            "citations_question": "citations",
        },
    ],
}
PAIRWISE = {
    "schema_version": 1,
    "display": [
        {"type": "text", "field": "prompt"},
        {"type": "responses", "fields": ["response_a", "response_b"]},
    ],
    "questions": [
        {"id": "preference", "type": "pairwise", "prompt": "Which is better?"},
        {"id": "quality", "type": "rating", "prompt": "Quality", "scale": {"min": 1, "max": 5}},
        {"id": "reason", "type": "text", "prompt": "Why?", "max_chars": 2000},
    ],
}
TTS = {
    "schema_version": 1,
    "display": [{"type": "audio", "field": "audio", "id": "clip"}],
    "questions": [
        {
            "id": "naturalness",
            "type": "rating",
            "prompt": "How natural?",
            "scale": {"min": 1, "max": 5},
            "require_full_playback": "clip",
        },
        {"id": "comment", "type": "text", "prompt": "What gives it away?", "required": False},
    ],
}
GOLD_MC = {
    "schema_version": 1,
    "display": [{"type": "text", "field": "question"}],
    "questions": [
        {
            "id": "answer",
            "type": "single_choice",
            "prompt": "Your answer",
            "options": [{"value": v, "label": v} for v in "ABCD"],
        }
    ],
}
GOLD_RANK = {
    "schema_version": 1,
    "display": [{"type": "text", "field": "prompt"}],
    "questions": [
        {
            "id": "order",
            "type": "ranking",
            "prompt": "Rank the replies",
            "items": [{"value": v, "label": v} for v in "abcd"],
        }
    ],
}

DEFECTS = {
    "long": [
        "ai_copy",
        "ai_paraphrase",
        "ai_paraphrase_partial",
        "near_copy",
        "near_copy_partial",
        "self_copy",
        "disallowed_source",
        "malformed_id",
        "fast",
        "pasted",
        "overcited_source",
    ],
    "pairwise": ["pasted", "straight_lined", "fast_short_reason", "outlier"],
    "tts": ["unplayed", "straight_lined", "outlier"],
    "gold": ["wrong_gold"],
}
INTENDED = {
    "ai_copy": "ai_similarity",
    "ai_paraphrase": "ai_similarity",
    "ai_paraphrase_partial": "ai_similarity",
    "near_copy": "near_duplicate",
    "near_copy_partial": "near_duplicate",
    "self_copy": "near_duplicate",
    "disallowed_source": "citation_policy",
    "malformed_id": "citation_policy",
    "overcited_source": "citation_policy",
    "fast": "telemetry",
    "fast_short_reason": "telemetry",
    "pasted": "telemetry",
    "unplayed": "telemetry",
    "wrong_gold": "gold",
    "straight_lined": "straight_lining",
    "outlier": "agreement_outlier",
}
# Harder than the issue asks: 60-85% of the text copied, the rest the trainer's own. Reported
# on their own rows and kept out of the headline recall.
BEYOND_SCOPE = {"ai_paraphrase_partial", "near_copy_partial"}
CONFIG = {"citation_policy": SOURCE_POLICY}


class World:
    """Trainers, tasks and the running state a project accumulates."""

    def __init__(self, rng: random.Random, n: int) -> None:
        self.rng = rng
        self.trainers = [self._trainer(i) for i in range(max(20, n // 40))]
        self.long_tasks = [self._long_task(i) for i in range(max(10, n // 10))]
        self.clean_texts: list[tuple[str, str, str, str]] = []  # trainer, task, topic, text

    def _trainer(self, i: int) -> dict:
        rng = self.rng
        mode = rng.choice([3, 4, 4, 4, 5, 2])
        top = rng.uniform(0.3, 0.7)
        weights = {
            v: (top if v == mode else (1 - top) * (0.7 ** abs(v - mode))) for v in range(1, 6)
        }
        return {
            "id": f"t{i:03d}",
            "languages": rng.choice([("en",), ("zh",), ("en", "zh"), ("en",)]),
            "speed": rng.lognormvariate(3.4, 0.35),  # seconds per 100 characters of English
            "paste_habit": rng.choice([0.0, 0.0, 0.05, 0.15, 0.3]),
            "style": {"aside_rate": rng.uniform(0.0, 0.35), "typo_rate": rng.uniform(0, 0.5)},
            "ratings": weights,
        }

    def _long_task(self, i: int) -> dict:
        rng = self.rng
        language = "zh" if rng.random() < 0.4 else "en"
        topics = ZH_TOPICS if language == "zh" else EN_TOPICS
        key = rng.choice(list(topics))
        topic = topics[key]
        references = {
            model: ai_answer(topic, language, random.Random(f"{i}:{model}"))
            for model in rng.sample(["gpt", "claude", "gemini", "qwen", "deepseek"], 3)
        }
        return {
            "id": f"L{i:05d}",
            "key": key,
            "language": language,
            "topic": topic,
            "refs": references,
        }

    def recent_ratings(self, trainer: dict, straight: bool) -> list[int]:
        rng = self.rng
        values, weights = zip(*trainer["ratings"].items(), strict=True)
        if not straight:
            return rng.choices(values, weights, k=30)
        value = rng.choice(values)
        ratings = [value] * 30
        for position in rng.sample(range(30), rng.choice([0, 0, 1, 2, 3])):
            ratings[position] = rng.choice([v for v in values if v != value])
        return ratings


def _telemetry(rng, trainer, chars: int, language: str, field: str, reading: float) -> dict:
    per_100 = trainer["speed"] * rng.lognormvariate(0, 0.3) * (2.2 if language == "zh" else 1)
    typed = int(chars * rng.uniform(1.05, 1.5))
    pasted = int(chars * trainer["paste_habit"] * rng.uniform(0, 1.5))
    return {
        "active_seconds": round(reading + chars / 100 * per_100, 1),
        "fields": {field: {"typed": typed, "pasted": pasted}},
    }


def _sources(rng, count: int) -> list[dict]:
    seen, items = set(), []
    while len(items) < count:
        identifier = clean_identifier(rng)
        key = identifier.lower().removeprefix("doi:").removeprefix("https://doi.org/")
        if key in seen:
            continue
        seen.add(key)
        items.append(
            {
                "identifier": identifier,
                "title": f"Source {len(items) + 1}",
                "why": expand(
                    "{Relevant|Central|Useful} {evidence|study|report} on the question.", rng
                ),
                "support": expand("{Supports|Backs|Underpins} the {main|second|final} point.", rng),
            }
        )
    return items


def _rubric(
    rng, language: str, citations: list[dict], overcite: bool, long: bool = False
) -> list[dict]:
    bank = ZH_CRITERIA if language == "zh" else EN_CRITERIA
    if long:  # an honest long rubric: each source necessarily backs several criteria
        chosen = [rng.choice(bank) for _ in range(rng.randint(20, 25))]
    else:
        count = rng.randint(4, 7) if not overcite else rng.randint(6, 7)
        chosen = rng.sample(bank, k=min(count, len(bank)))
    items = []
    for n, (criterion, rationale) in enumerate(chosen):
        if overcite:
            source = citations[0]
        elif (
            n > 0
            and rng.random() < 0.2
            and items[-1]["_source"] is not items[max(0, n - 2)]["_source"]
        ):
            source = items[-1]["_source"]  # one source behind two criteria now and then
        else:
            source = citations[n % len(citations)]
        items.append(
            {
                "criterion": expand(criterion, rng),
                "points": rng.choice([2, 3, 5, 8, -3, -5]),
                "citation": source["identifier"],
                "rationale": expand(rationale, rng),
                "_source": source,
            }
        )
    for item in items:
        del item["_source"]
    return items


def text_own(task: dict, language: str, rng: random.Random, trainer: dict) -> str:
    return human_answer(task["topic"], language, rng, trainer["style"])


def make_long(world: World, index: int, defect: str | None) -> tuple[CheckInput, dict]:
    rng = world.rng
    task = rng.choice(world.long_tasks)
    language = task["language"]
    trainer = rng.choice([t for t in world.trainers if language in t["languages"]])
    text = human_answer(task["topic"], language, rng, trainer["style"])
    meta = {}
    if defect == "ai_copy":  # an AI reference as it is, a typo or two at most
        text = task["refs"][rng.choice(list(task["refs"]))]
        for _ in range(rng.randint(0, 2)):
            text = _typo(text, rng)
    elif defect == "ai_paraphrase":
        model = rng.choice(list(task["refs"]))
        text = paraphrase(task["refs"][model], language, rng, rng.uniform(0.3, 0.8))
    elif defect == "ai_paraphrase_partial":  # most of a reference, padded with own sentences
        model = rng.choice(list(task["refs"]))
        text = paraphrase(task["refs"][model], language, rng, rng.uniform(0.3, 0.8))
        own = text_own(task, language, rng, trainer)
        text = blend(text, own, language, rng, rng.uniform(0.6, 0.85))
    elif defect in ("near_copy", "near_copy_partial", "self_copy"):
        pool = [c for c in world.clean_texts if c[2] == task["key"] and c[1] != task["id"]]
        if defect == "self_copy":  # the trainer's own earlier answer, on another task
            pool = [c for c in pool if c[0] == trainer["id"]]
        else:  # another trainer's
            pool = [c for c in pool if c[0] != trainer["id"]]
        if not pool:
            defect = None
        else:
            source = rng.choice(pool)
            text = paraphrase(source[3], language, rng, rng.uniform(0.2, 0.6))
            meta["copied_from"] = source[0]
            if defect == "near_copy_partial":  # most of it, padded with own sentences
                own = text_own(task, language, rng, trainer)
                text = blend(text, own, language, rng, rng.uniform(0.6, 0.85))
    long_rubric = defect is None and rng.random() < 0.35  # 20-25 criteria over 4-7 sources
    citations = _sources(rng, rng.randint(4, 7) if long_rubric else rng.randint(5, 10))
    if defect in ("disallowed_source", "malformed_id"):
        bad = (
            rng.choice([DENIED_URLS, NOT_ALLOWED_URLS])
            if defect == "disallowed_source"
            else rng.choice([MALFORMED_IDS, RESOLVER_MALFORMED_IDS])
        )
        citations[rng.randrange(len(citations))]["identifier"] = rng.choice(bad)
    rubric = _rubric(
        rng, language, citations, overcite=defect == "overcited_source", long=long_rubric
    )
    answer = {"answer": text, "citations": citations, "rubric": rubric}
    chars = (
        len(text)
        + sum(len(c["why"]) + len(c["support"]) for c in citations)
        + sum(len(r["criterion"]) + len(r["rationale"]) for r in rubric)
    )
    telemetry = _telemetry(rng, trainer, chars, language, "answer", rng.uniform(60, 400))
    if defect == "fast":
        telemetry["active_seconds"] = round(rng.uniform(5, 15), 1)
    if defect == "pasted":
        share = rng.uniform(0.6, 1.0)
        telemetry["fields"]["answer"] = {
            "typed": int(len(text) * (1 - share) * rng.uniform(1.0, 1.3)),
            "pasted": int(len(text) * share),
        }
    data = CheckInput(
        definition=LONG,
        answer=answer,
        task_data={"prompt": task["topic"]["prompt"]},
        telemetry=telemetry,
        submission_id=f"S{index:06d}",
        trainer_id=trainer["id"],
        task_id=task["id"],
        ai_references=task["refs"],
    )
    if defect is None:
        world.clean_texts.append((trainer["id"], task["id"], task["key"], text))
    return data, {"defect": defect, "language": language, **meta}


def _others(
    rng, true_rating: int, majority: str, count: int, agreement: float = 0.75
) -> list[dict]:
    others = []
    for _ in range(count):
        rating = min(5, max(1, true_rating + rng.choices([-1, 0, 1, 2, -2], [20, 55, 20, 3, 2])[0]))
        choice = majority if rng.random() < agreement else rng.choice(["A", "B", "tie"])
        others.append({"preference": {"choice": choice}, "quality": rating, "naturalness": rating})
    return others


# An outlier is planted where the others agree enough for one to exist: their median
# rating at least 3 points from one end of the 1-5 scale (on a median-3 item no rating is
# that far, and 2 points is what honest raters differ by now and then) and, in pairwise
# tasks, a side none of them chose.
def _outlier_case(rng, majority: str, agreement: float) -> tuple[list[dict], dict]:
    """(the others' answers, an outlying answer) for a task where the others agree."""
    for _ in range(100):
        others = _others(rng, rng.choice((2, 4, 5)), majority, rng.randint(3, 5), agreement)
        median = statistics.median(other["quality"] for other in others)
        rating = 1 if median >= 3 else 5
        chosen = {other["preference"]["choice"] for other in others}
        unchosen = [side for side in ("A", "B", "tie") if side not in chosen]
        if abs(rating - median) >= 3 and unchosen:
            choice = {"choice": rng.choice(unchosen)}
            return others, {"preference": choice, "quality": rating, "naturalness": rating}
    raise RuntimeError("no consensus drawn in 100 tries")


def _reading(rng, task_data: dict, language: str) -> float:
    """Seconds an honest trainer spends reading the task: at 150-500 English words or
    250-800 Chinese characters a minute (skimming included)."""
    text = " ".join(str(value) for value in task_data.values())
    if language == "zh":
        return len(re.findall(r"[\u4e00-\u9fff]", text)) / rng.uniform(250, 800) * 60
    return len(text.split()) / rng.uniform(150, 500) * 60


def make_pairwise(world: World, index: int, defect: str | None) -> tuple[CheckInput, dict]:
    rng = world.rng
    trainer = rng.choice(world.trainers)
    language = rng.choice(trainer["languages"])
    bank = ZH_REASONS if language == "zh" else EN_REASONS
    reason = pairwise_reason(language, rng, rng.randint(1, 3))
    true_rating, majority = rng.randint(2, 5), rng.choice(["A", "B"])
    others = _others(rng, true_rating, majority, rng.randint(3, 5))
    mine = _others(rng, true_rating, majority, 1)[0]
    if defect == "outlier":
        others, mine = _outlier_case(rng, majority, agreement=0.9)
    answer = {"preference": mine["preference"], "quality": mine["quality"], "reason": reason}
    # Two model responses to compare, as long as real ones: what the trainer must read.
    topics = ZH_TOPICS if language == "zh" else EN_TOPICS
    topic = topics[rng.choice(list(topics))]
    responses = {
        "prompt": topic["prompt"],
        "response_a": ai_answer(topic, language, rng),
        "response_b": ai_answer(topic, language, rng),
    }
    telemetry = _telemetry(
        rng, trainer, len(reason), language, "reason", _reading(rng, responses, language)
    )
    if defect == "fast_short_reason":  # a glance at two long responses, a one-line reason
        answer["reason"] = reason = pairwise_reason(language, rng, 1)
        telemetry["active_seconds"] = round(rng.uniform(2, 4), 1)
        telemetry["fields"]["reason"] = {"typed": len(reason), "pasted": 0}
    if defect == "pasted":
        telemetry["fields"]["reason"] = {"typed": rng.randint(0, 20), "pasted": len(reason)}
        if len(reason.split()) < 15:  # a pasted answer long enough to judge
            answer["reason"] = reason = reason + " " + expand(rng.choice(bank), rng) * 2
            telemetry["fields"]["reason"]["pasted"] = len(reason)
    data = CheckInput(
        definition=PAIRWISE,
        answer=answer,
        task_data=responses,
        telemetry=telemetry,
        submission_id=f"S{index:06d}",
        trainer_id=trainer["id"],
        task_id=f"P{index:06d}",
        recent_ratings=world.recent_ratings(trainer, defect == "straight_lined"),
        other_answers=others,
    )
    return data, {"defect": defect, "language": language}


def make_tts(world: World, index: int, defect: str | None) -> tuple[CheckInput, dict]:
    rng = world.rng
    trainer = rng.choice(world.trainers)
    language = rng.choice(trainer["languages"])
    true_rating = rng.randint(2, 5)
    others = _others(rng, true_rating, "A", rng.randint(3, 5))
    answer = {"naturalness": _others(rng, true_rating, "A", 1)[0]["naturalness"]}
    if defect == "outlier":
        others, mine = _outlier_case(rng, "A", agreement=0.75)
        answer["naturalness"] = mine["naturalness"]
    if rng.random() < 0.6:
        bank = ZH_TTS_COMMENTS if language == "zh" else EN_TTS_COMMENTS
        answer["comment"] = expand(rng.choice(bank), rng)
    duration = rng.uniform(3, 20)
    played = duration * rng.uniform(1.0, 2.5)
    completed = True
    if defect == "unplayed":
        played, completed = duration * rng.uniform(0.1, 0.7), False
    telemetry = {
        "active_seconds": round(played + rng.uniform(5, 60), 1),
        "audio": {
            "clip": {
                "played_seconds": round(played, 1),
                "duration": round(duration, 1),
                "completed": completed,
            }
        },
    }
    data = CheckInput(
        definition=TTS,
        answer=answer,
        task_data={"audio": f"tts/batch/clip-{index}.wav"},
        telemetry=telemetry,
        submission_id=f"S{index:06d}",
        trainer_id=trainer["id"],
        task_id=f"T{index:06d}",
        recent_ratings=world.recent_ratings(trainer, defect == "straight_lined"),
        other_answers=others,
    )
    return data, {"defect": defect, "language": language}


def _spearman(a: dict, b: dict) -> float:
    n = len(a)
    return 1 - 6 * sum((a[k] - b[k]) ** 2 for k in a) / (n * (n * n - 1))


def make_gold(world: World, index: int, defect: str | None) -> tuple[CheckInput, dict]:
    rng = world.rng
    trainer = rng.choice(world.trainers)
    wrong = defect == "wrong_gold"
    kind = rng.choice(["mc", "rating", "pairwise", "ranking"])
    telemetry = {"active_seconds": round(rng.uniform(20, 200), 1)}
    if kind == "mc":
        expected = rng.choice("ABCD")
        given = rng.choice([v for v in "ABCD" if v != expected]) if wrong else expected
        definition, answer, gold = GOLD_MC, {"answer": given}, {"answer": expected}
        task_data = {"question": "q"}
    elif kind == "rating":
        expected = rng.randint(1, 5)
        if wrong:
            given = rng.choice([v for v in range(1, 6) if abs(v - expected) >= 2])
        else:
            given = min(5, max(1, expected + rng.choices([-1, 0, 1], [15, 70, 15])[0]))
        duration = rng.uniform(3, 20)
        telemetry["audio"] = {
            "clip": {"played_seconds": duration, "duration": duration, "completed": True}
        }
        definition, answer, gold = TTS, {"naturalness": given}, {"naturalness": expected}
        task_data = {"audio": "tts/gold.wav"}
    elif kind == "pairwise":
        expected = rng.choice(["A", "B"])
        given = ("B" if expected == "A" else "A") if wrong else expected
        definition = PAIRWISE
        answer = {
            "preference": {"choice": given},
            "quality": rng.randint(2, 5),
            "reason": "Clearer and correct.",
        }
        gold = {"preference": {"choice": expected}}
        task_data = {"prompt": "p", "response_a": "a", "response_b": "b"}
    else:
        order = rng.sample([1, 2, 3, 4], 4)
        expected = dict(zip("abcd", order, strict=True))
        given = dict(expected)
        if wrong:
            while _spearman(given, expected) > 0.4:
                given = dict(zip("abcd", rng.sample([1, 2, 3, 4], 4), strict=True))
        elif rng.random() < 0.3:
            a, b = (
                [k for k in given if given[k] in (2, 3)]
                if rng.random() < 0.5
                else [k for k in given if given[k] in (1, 2)]
            )
            given[a], given[b] = given[b], given[a]
        definition, answer, gold = GOLD_RANK, {"order": given}, {"order": expected}
        task_data = {"prompt": "p"}
    data = CheckInput(
        definition=definition,
        answer=answer,
        task_data=task_data,
        telemetry=telemetry,
        submission_id=f"S{index:06d}",
        trainer_id=trainer["id"],
        task_id=f"G{index:06d}",
        is_gold=True,
        gold_answer=gold,
    )
    return data, {"defect": defect, "language": "-", "gold_kind": kind}


def _scores(data, kind, defect, index, scores) -> None:
    """Raw similarity scores of long answers, to show how far apart clean and planted are."""
    if kind != "long":
        return
    text = data.answer["answer"]
    best = index.query(text, min_similarity=0.0, exclude_submission=data.submission_id, limit=1)
    near = best[0].similarity if best else 0.0
    refs = list(data.ai_references.values())
    cosine = max(similarity.tfidf_cosines(text, refs))
    terms = similarity.content_terms(text)
    overlap = max(similarity.containment(terms, similarity.content_terms(r)) for r in refs)
    language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in text[:50]) else "en"
    group = "clean" if defect is None else ("partial" if defect in BEYOND_SCOPE else "planted")
    if defect in (None, "near_copy", "near_copy_partial"):
        scores[(f"near_duplicate jaccard {language}", group)].append(near)
    if defect in (None, "ai_paraphrase", "ai_paraphrase_partial"):
        scores[(f"ai tfidf cosine {language}", group)].append(cosine)
        scores[(f"ai term overlap {language}", group)].append(overlap)


def _quantiles(values: list[float], points: tuple[float, ...]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return " / ".join(
        f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.2f}" for q in points
    )


MAKERS = {"long": make_long, "pairwise": make_pairwise, "tts": make_tts, "gold": make_gold}
KIND_WEIGHTS = {"long": 45, "pairwise": 25, "tts": 15, "gold": 15}


class Tally:
    """Recall per planted defect and false positives on clean submissions, from each
    labelled submission's flagged checks; shared by this benchmark and the one with real
    workers (quality_efficacy_workers.py)."""

    def __init__(self) -> None:
        self.caught = Counter()  # defect -> caught by the intended check
        self.caught_any = Counter()
        self.planted = Counter()
        self.clean_flags = Counter()  # check -> clean submissions it flagged
        self.clean_total = 0
        self.clean_any = 0
        self.clean_any_excl = 0
        self.by_kind_clean = Counter()
        self.by_kind_fp = Counter()
        self.by_language_clean = Counter()
        self.by_language_fp = Counter()
        self.examples: dict = defaultdict(list)

    def add(self, kind: str, label: dict, flagged: dict[str, list[str]], data=None) -> None:
        """``flagged``: check -> messages of its warn and fail findings (checks that
        flagged nothing left out)."""
        defect = label["defect"]
        if defect is None:
            self.clean_total += 1
            self.by_kind_clean[kind] += 1
            self.by_language_clean[label["language"]] += 1
            for name in flagged:
                self.clean_flags[name] += 1
            review = {n for n in flagged if n != "agreement_outlier"}
            self.clean_any += bool(flagged)
            self.clean_any_excl += bool(review)
            if flagged:  # any warn or fail, counted per submission
                self.by_kind_fp[kind] += 1
                self.by_language_fp[label["language"]] += 1
                self.examples["fp"].append((kind, label, flagged, data))
        else:
            self.planted[defect] += 1
            if INTENDED[defect] in flagged:
                self.caught[defect] += 1
            else:
                self.examples["miss"].append((kind, label, flagged, data))
            self.caught_any[defect] += bool(flagged)

    def print(self) -> None:
        planted, caught, caught_any = self.planted, self.caught, self.caught_any
        clean_total = self.clean_total
        header = f"{'planted defect':<23}{'intended check':<17}{'planted':>8}{'recall':>9}"
        print(f"\n{header}{'any check':>11}")
        for defect in sorted(planted):
            n = planted[defect]
            print(
                f"{defect:<23}{INTENDED[defect]:<17}{n:>8}{caught[defect] / n:>9.1%}"
                f"{caught_any[defect] / n:>11.1%}"
            )
        per_check_planted = Counter()
        per_check_caught = Counter()
        for defect, n in planted.items():
            if defect in BEYOND_SCOPE:
                continue
            per_check_planted[INTENDED[defect]] += n
            per_check_caught[INTENDED[defect]] += caught[defect]
        print(f"\n{'check':<20}{'recall':>9}{'FP on clean':>13}   (recall without partial copies)")
        for name in CATALOGUE:
            recall = (
                f"{per_check_caught[name] / per_check_planted[name]:.1%}"
                if per_check_planted[name]
                else "-"
            )
            print(f"{name:<20}{recall:>9}{self.clean_flags[name] / clean_total:>13.2%}")
        in_scope = [d for d in planted if d not in BEYOND_SCOPE]
        scope_total = sum(planted[d] for d in in_scope)
        total_planted = sum(planted.values())
        print(
            f"\noverall recall, planted defects (intended check): "
            f"{sum(caught[d] for d in in_scope) / scope_total:.1%} of {scope_total}"
        )
        print(
            f"overall recall, planted defects (any check):      "
            f"{sum(caught_any[d] for d in in_scope) / scope_total:.1%}"
        )
        print(
            f"overall recall incl. partial copies (any check):  "
            f"{sum(caught_any.values()) / total_planted:.1%} of {total_planted}"
        )
        print(
            "false positives: clean submissions with any warn or fail:       "
            f"{self.clean_any / clean_total:.2%}"
        )
        print(
            "  of which not only agreement_outlier:                          "
            f"{self.clean_any_excl / clean_total:.2%}"
        )
        print(
            "false positives by template: "
            + ", ".join(f"{k} {self.by_kind_fp[k]}/{self.by_kind_clean[k]}" for k in KIND_WEIGHTS)
        )
        print(
            "false positives by language: "
            + ", ".join(
                f"{k} {self.by_language_fp[k]}/{self.by_language_clean[k]}"
                for k in sorted(self.by_language_clean)
            )
        )

    def print_examples(self, limit: int) -> None:
        for key in ("miss", "fp"):
            for kind, label, flagged, data in self.examples[key][:limit]:
                print(f"\n[{key}] {kind} {label} { {n: m[0] for n, m in flagged.items()} }")
                if data is None:
                    continue
                if kind == "long":
                    print("   ", data.answer["answer"][:300])
                elif label["defect"] == "outlier":
                    print("    mine", data.answer, "others", list(data.other_answers))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=4000, help="submissions to generate")
    parser.add_argument("--seed", type=int, default=20250601)
    parser.add_argument("--clean-share", type=float, default=0.6)
    parser.add_argument("--show-misses", type=int, default=0, help="print up to N misses/FPs")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    world = World(rng, args.n)
    configs = {name: spec.build_config(CONFIG.get(name)) for name, spec in CATALOGUE.items()}
    index = NearDuplicateIndex()
    kinds, weights = zip(*KIND_WEIGHTS.items(), strict=True)

    tally = Tally()
    check_seconds = Counter()
    scores: dict = defaultdict(list)
    started = time.perf_counter()
    for i in range(args.n):
        kind = rng.choices(kinds, weights)[0]
        defect = None if rng.random() < args.clean_share else rng.choice(DEFECTS[kind])
        data, label = MAKERS[kind](world, i, defect)
        data = dataclasses.replace(data, near_duplicates=index)
        _scores(data, kind, label["defect"], index, scores)
        flagged = {}
        for name, spec in CATALOGUE.items():
            t0 = time.perf_counter()
            findings = spec.run(data, configs[name])
            check_seconds[name] += time.perf_counter() - t0
            bad = [f.message for f in findings if f.status in ("warn", "fail")]
            if bad:
                flagged[name] = bad
        index_submission(index, data, configs["near_duplicate"])
        tally.add(kind, label, flagged, data)
    elapsed = time.perf_counter() - started

    print(
        f"Quality-check efficacy: {args.n} submissions ({tally.clean_total} clean, "
        f"{sum(tally.planted.values())} with one planted defect), seed {args.seed}, "
        f"{elapsed:.1f}s"
    )
    tally.print()
    print(
        "mean ms per submission per check: "
        + ", ".join(f"{n} {check_seconds[n] / args.n * 1000:.2f}" for n in CATALOGUE)
    )
    print(
        "\nscore distributions (clean: p50 / p95 / p99 / max; planted and partial: min / p5 / p50):"
    )
    for (measure, group), values in sorted(scores.items()):
        if group != "clean":
            continue
        planted_values = scores.get((measure, "planted"), [])
        partial_values = scores.get((measure, "partial"), [])
        print(
            f"  {measure:<26} clean {_quantiles(values, (0.5, 0.95, 0.99, 1.0))}   "
            f"planted {_quantiles(planted_values, (0.0, 0.05, 0.5))}   "
            f"partial {_quantiles(partial_values, (0.0, 0.05, 0.5))}"
        )
    tally.print_examples(args.show_misses)


if __name__ == "__main__":
    main()

/* Generated lexicons (sorted by bytes for bsearch). */
static const char *const cue_finite[] = {
    "according", "acknowledged", "acknowledges", "added", "adds", "admits", "admitted", "advised",
    "advises", "affirme", "affirmé", "agreed", "agrees", "ajoute", "ajouté", "alleged", "alleges",
    "announced", "announces", "answered", "answers", "antwortet", "antwortete", "argued", "argues", "asked",
    "asks", "asserted", "asserts", "begged", "betont", "betonte", "blogged", "boasted", "boasts",
    "cautioned", "cautions", "chimed", "claimed", "claims", "commented", "comments", "complained",
    "complains", "conceded", "concedes", "concluded", "concludes", "confirmed", "confirms", "contended",
    "contends", "continued", "continues", "countered", "counters", "cried", "declared", "declares",
    "demanded", "demands", "dit", "déclare", "déclaré", "emailed", "emphasised", "emphasises", "emphasized",
    "emphasizes", "erklärt", "erklärte", "estimé", "exclaimed", "explained", "explains", "explique",
    "expliqué", "fragt", "fragte", "fumed", "grumbled", "grumbles", "indiqué", "insisted", "insists",
    "interjected", "interrupted", "joked", "jokes", "lamented", "laments", "lancé", "laughed", "laut",
    "maintained", "maintains", "meint", "meinte", "mused", "muses", "noted", "notes", "observed",
    "observes", "opined", "pleaded", "pointed", "posted", "posts", "predicted", "predicts", "proclaimed",
    "proclaims", "promised", "promises", "protested", "put", "quipped", "quips", "recalled", "recalls",
    "recounted", "recounts", "reiterated", "reiterates", "remarked", "remarks", "replied", "replies",
    "reported", "responded", "responds", "retorted", "revealed", "reveals", "répond", "répondu", "sagt",
    "sagte", "sagten", "said", "say", "says", "scoffed", "screamed", "selon", "shouted", "shouts", "sighed",
    "snapped", "souligné", "stated", "stressed", "stresses", "suggested", "suggests", "tell", "tells",
    "testified", "texted", "thundered", "told", "tweeted", "tweets", "urged", "urges", "vowed", "vows",
    "warned", "warns", "whispered", "wondered", "wonders", "writes", "wrote", "yelled",
};

static const char *const cue_part[] = {
    "acknowledging", "adding", "admitting", "alleging", "announcing", "answering", "arguing", "asking",
    "asserting", "boasting", "cautioning", "claiming", "commenting", "complaining", "conceding",
    "concluding", "confirming", "contending", "countering", "declaring", "demanding", "emphasising",
    "emphasizing", "explaining", "insisting", "joking", "lamenting", "maintaining", "noting", "observing",
    "posting", "predicting", "promising", "protesting", "quipping", "recalling", "reiterating", "remarking",
    "replying", "responding", "saying", "shouting", "stating", "stressing", "suggesting", "telling",
    "testifying", "tweeting", "urging", "vowing", "warning", "writing",
};

static const char *const titles[] = {
    "acting", "activist", "actor", "actress", "adjoint", "adjointe", "admiral", "ambassador", "analyst",
    "anchor", "archbishop", "assistant", "associate", "attorney", "author", "ayatollah", "barrister",
    "bishop", "boss", "bürgermeister", "bürgermeisterin", "campaigner", "candidate", "capt", "captain",
    "cardinal", "ceo", "cfo", "chair", "chairman", "chairperson", "chairwoman", "chancellor", "chefin",
    "chief", "coach", "col", "colonel", "commander", "commissioner", "congressman", "congresswoman",
    "conservative", "constable", "coo", "correspondent", "councillor", "councilor", "crown", "cto", "czar",
    "dame", "defence", "defender", "defense", "democrat", "deputy", "detective", "director", "direktor",
    "direktorin", "doctor", "dr", "député", "députée", "economist", "editor", "education", "emir", "envoy",
    "executive", "father", "finance", "first", "foreign", "former", "founder", "frau", "gen", "general",
    "goalkeeper", "gov", "governor", "head", "health", "herr", "home", "host", "house", "imam", "inspector",
    "interim", "interior", "judge", "junior", "justice", "kanzler", "kanzlerin", "king", "labour", "lady",
    "lawyer", "leader", "liberal", "lieutenant", "lord", "lt", "madame", "maire", "major", "manager",
    "marshal", "mayor", "mep", "midfielder", "minister", "ministerin", "ministers", "ministre", "miss",
    "mme", "monsieur", "mp", "mr", "mrs", "ms", "msp", "mx", "nominee", "nurse", "officer", "pastor",
    "pope", "porte-parole", "premier", "presenter", "president", "president-elect", "priest", "prime",
    "prince", "princess", "prof", "professor", "präsident", "präsidentin", "queen", "rabbi", "ranger",
    "rep", "reporter", "representative", "republican", "researcher", "rev", "reverend", "scientist", "sec",
    "secretary", "secretary-general", "sen", "senate", "senator", "senior", "sergeant", "sgt", "shadow",
    "sheikh", "singer", "sir", "solicitor", "speaker", "special", "spokesman", "spokesperson",
    "spokeswoman", "sprecher", "sprecherin", "state", "striker", "superintendent", "sénateur", "taoiseach",
    "teacher", "tory", "tsar", "veteran", "vice", "vice-president", "warden",
};

static const char *const org_words[] = {
    "administration", "africa", "agency", "airlines", "airport", "airways", "alliance", "america", "army",
    "asia", "assembly", "association", "athletic", "authority", "award", "awards", "band", "bank", "board",
    "bureau", "cabinet", "campaign", "capital", "center", "centre", "championship", "church", "city",
    "club", "coalition", "college", "commission", "committee", "commons", "communications", "company",
    "congress", "corp", "corporation", "council", "county", "court", "cup", "department", "electronics",
    "embassy", "energy", "europe", "exchange", "fc", "federation", "festival", "forces", "foundation",
    "front", "fund", "games", "government", "group", "guard", "hall", "holdings", "hospital", "house",
    "inc", "industry", "institute", "island", "islands", "journal", "kingdom", "labs", "league", "ltd",
    "market", "markets", "media", "ministry", "motors", "movement", "museum", "nations", "navy", "network",
    "news", "nhs", "ofcom", "office", "ofsted", "olympics", "orchestra", "organisation", "organization",
    "park", "parliament", "partners", "party", "pictures", "plc", "police", "post", "press", "prize",
    "prosecutors", "province", "radio", "records", "region", "republic", "reserve", "road", "rovers",
    "school", "securities", "senate", "series", "service", "services", "show", "society", "software",
    "sport", "sports", "square", "stadium", "states", "station", "street", "studios", "systems", "team",
    "technologies", "television", "theater", "theatre", "times", "tour", "tribunal", "trust", "tv", "union",
    "unit", "university", "valley", "watch",
};

static const char *const place_first[] = {
    "american", "british", "capitol", "central", "champions", "chinese", "downing", "east", "eastern",
    "european", "federal", "french", "german", "global", "grand", "great", "gulf", "hong", "international",
    "las", "los", "middle", "national", "new", "north", "northern", "premier", "royal", "russian", "san",
    "santa", "saudi", "silicon", "six", "south", "southern", "sri", "state", "super", "supreme", "united",
    "wall", "west", "western", "white", "world",
};

static const char *const stop_words[] = {
    "a", "about", "according", "after", "all", "also", "although", "among", "an", "analysts", "and",
    "another", "april", "as", "at", "august", "avec", "because", "before", "bei", "between", "both", "but",
    "by", "critics", "dans", "das", "december", "dem", "den", "der", "des", "despite", "die", "during",
    "each", "earlier", "ein", "eine", "einem", "et", "even", "every", "experts", "february", "for",
    "friday", "from", "he", "her", "here", "his", "how", "however", "i", "if", "in", "indeed", "instead",
    "into", "it", "its", "january", "july", "june", "just", "la", "last", "later", "le", "les", "mais",
    "many", "march", "may", "meanwhile", "monday", "more", "most", "my", "nach", "next", "no", "nor", "not",
    "november", "now", "october", "of", "officials", "on", "once", "one", "only", "or", "other", "our",
    "over", "par", "pour", "saturday", "selon", "september", "several", "she", "since", "so", "some",
    "sources", "sous", "still", "such", "sunday", "supporters", "sur", "that", "the", "their", "then",
    "there", "these", "they", "this", "those", "though", "three", "thursday", "to", "today", "tomorrow",
    "tonight", "tuesday", "two", "un", "und", "under", "une", "we", "wednesday", "what", "when", "where",
    "which", "while", "who", "why", "with", "within", "without", "yesterday", "yet", "you", "your",
};

static const char *const pronouns[] = {
    "elle", "elles", "er", "es", "he", "i", "ich", "il", "ils", "it", "je", "nous", "she", "sie", "they",
    "we", "wir",
};

static const char *const determiners[] = {
    "a", "an", "another", "any", "both", "das", "der", "die", "each", "ein", "eine", "five", "four", "her",
    "his", "its", "la", "le", "les", "many", "my", "no", "one", "other", "our", "several", "some", "that",
    "the", "their", "these", "this", "those", "three", "two", "un", "une",
};

static const char *const prepositions[] = {
    "about", "after", "against", "among", "at", "before", "between", "by", "during", "for", "from", "in",
    "into", "of", "on", "over", "to", "under", "via", "with", "within", "without",
};

static const char *const conjunctions[] = {
    "aber", "although", "and", "as", "because", "but", "dass", "et", "how", "if", "mais", "nor", "or",
    "que", "qui", "since", "so", "that", "though", "und", "unless", "until", "what", "when", "where",
    "whereas", "which", "while", "who", "whom", "whose", "why", "yet",
};

static const char *const aux_words[] = {
    "a", "again", "allegedly", "also", "angrily", "avait", "be", "been", "bluntly", "did", "do", "does",
    "earlier", "finally", "first", "flatly", "further", "haben", "had", "has", "hat", "have", "however",
    "initially", "instead", "is", "just", "last", "later", "meanwhile", "night", "now", "once", "only",
    "ont", "previously", "privately", "publicly", "quickly", "recently", "repeatedly", "reportedly",
    "separately", "simply", "subsequently", "then", "though", "today", "too", "was", "were", "yesterday",
};

static const char *const negators[] = {
    "aren't", "cannot", "could", "couldn't", "couldn’t", "declined", "didn't", "didn’t", "doesn't",
    "doesn’t", "don't", "don’t", "hadn't", "hadn’t", "hasn't", "hasn’t", "haven't", "haven’t", "if",
    "isn't", "isn’t", "may", "might", "mightn't", "neither", "never", "no", "nor", "not", "refused",
    "should", "shouldn't", "shouldn’t", "unless", "wasn't", "wasn’t", "weren't", "won't", "won’t", "would",
    "wouldn't", "wouldn’t",
};

static const char *const abbrevs[] = {
    "approx", "aug", "capt", "co", "col", "corp", "dec", "dept", "dr", "est", "feb", "fig", "gen", "gov",
    "hon", "inc", "jan", "jr", "lt", "ltd", "messrs", "mr", "mrs", "ms", "mt", "no", "nov", "oct", "prof",
    "rep", "rev", "sen", "sep", "sept", "sgt", "sr", "st", "vs",
};

static const char *const name_connectors[] = {
    "al", "bin", "bint", "da", "das", "de", "del", "den", "der", "di", "dos", "du", "el", "ibn", "la", "le",
    "mac", "mc", "of", "ten", "ter", "van", "von", "y",
};

static const char *const cue_broad[] = {
    "accuse", "accused", "accuses", "accusing", "acknowledged", "added", "adding", "adds", "admitted",
    "argued", "asked", "asking", "asks", "assured", "assures", "bemoaned", "blame", "blamed", "blames",
    "blaming", "blast", "blasted", "blasting", "brand", "branded", "branding", "brands", "call", "called",
    "calling", "calls", "chant", "chanted", "chanting", "chants", "characterised", "characterized",
    "characterizing", "cite", "cited", "cites", "citing", "claim", "claimed", "claims", "conceded",
    "condemned", "considered", "considers", "criticise", "criticised", "criticising", "criticize",
    "criticized", "criticizing", "declared", "declares", "decried", "deemed", "deems", "demand", "demanded",
    "demands", "denounced", "deride", "derided", "deriding", "describe", "described", "describes",
    "describing", "dismiss", "dismissed", "dismissing", "dubbed", "dubbing", "dubs", "emphasised",
    "emphasized", "hailed", "hailing", "headlined", "implied", "insist", "insisted", "insists", "label",
    "labeled", "labeling", "labelled", "labelling", "labels", "lamented", "mentioned", "mentions", "mock",
    "mocked", "mocking", "named", "nicknamed", "noted", "notes", "offered", "offering", "offers", "pledge",
    "pledged", "pledges", "pledging", "posted", "praise", "praised", "praising", "predicted", "proclaimed",
    "promise", "promised", "promises", "promising", "pronounced", "questioned", "quoted", "quoting", "read",
    "reads", "referred", "referring", "refers", "remarked", "said", "say", "saying", "says", "slam",
    "slammed", "slamming", "stated", "states", "stressed", "suggested", "tell", "telling", "tells",
    "termed", "terming", "thanked", "titled", "told", "touted", "touting", "tweeted", "urged", "vow",
    "vowed", "vows", "warned", "warning", "warns", "writes", "writing", "wrote",
};


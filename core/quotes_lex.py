#!/usr/bin/env python3
"""quotes_lex.py - generates core/quotes_lex.h: the word lists of the quote attributor as one static const
open-addressing hash table (lex_hash: length, first two and last two bytes; linear probing, load <= 1/4):
lex_slot[] holds an index + 1 into lex_words[] (0: a free slot), and each word carries a bit per list it
belongs to (LX_<list>), so that one lookup per token answers every list.

Run: python3 core/quotes_lex.py > core/quotes_lex.h && clang-format -i core/quotes_lex.h"""
import sys
LISTS = []
def arr(name, words):
    LISTS.append((name, sorted(set(w for w in words.split()))))
    return ""
finite = """said says say told tells tell added adds warned warns insisted insists argued argues grumbled grumbles
wrote writes tweeted tweets posted posts explained explains stated declared declares noted notes continued continues
asked asks replied replies responded responds answered answers claimed claims recalled recalls acknowledged
acknowledges admitted admits conceded concedes announced announces commented comments remarked remarks observed
observes stressed stresses emphasised emphasized emphasises emphasizes urged urges suggested suggests predicted
predicts quipped quips joked jokes complained complains cautioned cautions vowed vows promised promises countered
counters concluded concludes agreed agrees yelled shouted shouts exclaimed whispered boasted boasts lamented laments
confirmed confirms reiterated reiterates thundered mused muses wondered wonders pleaded demanded demands asserted
asserts maintained maintains contended contends alleged alleges testified protested interrupted fumed snapped
scoffed retorted reported revealed reveals begged recounted recounts advised advises texted emailed blogged cried
screamed sighed laughed wrote acknowledged interjected chimed opined proclaimed proclaims conceded pointed
recommended recommends echoed gloated blared charged
sagte sagt sagten fragte fragt antwortete antwortet erklärte erklärt meinte meint betonte betont
déclaré répondu dit affirmé ajouté expliqué indiqué estimé souligné lancé déclare affirme ajoute explique répond
according selon laut put shot fired hit"""
part = """saying telling adding warning insisting arguing writing tweeting posting explaining stating declaring noting
asking replying responding answering claiming recalling acknowledging admitting conceding announcing commenting
remarking observing stressing emphasising emphasizing urging suggesting predicting joking complaining cautioning
vowing promising countering concluding shouting boasting lamenting confirming reiterating demanding asserting
maintaining contending alleging testifying protesting quipping"""
titles = """mr mrs ms miss mx dr sir dame lord lady prof professor president vice prime minister ministers deputy secretary
sec senator sen rep representative congressman congresswoman gov governor mayor councillor councilor chancellor chief
executive general gen col colonel lt lieutenant major captain capt sgt sergeant commissioner commander admiral marshal
judge justice speaker leader director chairman chairwoman chairperson chair ceo cfo coo cto founder president-elect
coach manager boss king queen prince princess pope ambassador attorney foreign defence defense home health finance
education interior state shadow former acting interim veteran spokesman spokeswoman spokesperson superintendent
inspector officer detective constable bishop archbishop cardinal rabbi imam father rev reverend emir sheikh crown
ayatollah envoy special senior assistant associate head vice-president mp mep msp tsar czar economist analyst
striker midfielder defender goalkeeper singer actor actress author presenter host anchor correspondent editor
reporter lawyer barrister solicitor campaigner activist candidate nominee premier taoiseach first secretary-general
bürgermeister bürgermeisterin sprecher sprecherin kanzler kanzlerin ministerin präsident präsidentin chefin direktor
direktorin maire adjoint adjointe porte-parole ministre député députée sénateur madame monsieur mme herr frau
warden ranger pastor priest nurse doctor teacher professor economist scientist researcher
labour tory conservative democrat republican liberal senate house shadow junior chancellor"""
orgs = """council board ministry party department commission committee union office agency bank group company
corporation corp inc ltd plc news post times journal institute university college school association federation
court police service services authority government parliament congress senate assembly league club network foundation
trust organisation organization centre center campaign administration house nations states kingdom republic reserve
fund forces army navy guard society industry alliance coalition movement front cabinet embassy airlines airways motors
records studios pictures media press radio television tv sport sports fc city rovers athletic cup championship
olympics games street road square hall park hospital church museum bureau watch labs systems technologies commons
exchange market markets securities capital partners holdings energy communications electronics software tribunal
unit team prosecutors agency ofcom ofsted nhs europe africa asia america island islands county province region
valley airport station stadium theatre theater festival awards prize award show series tour band orchestra"""
placefirst = """new los las san santa sri hong saudi south north east west middle white wall world premier champions grand great
northern southern eastern western central united european supreme downing capitol silicon british american russian
chinese french german six super royal national international global federal state gulf"""
stop = """the a an this that these those it its he she they we i you but and or so yet if when while as after before since
because although though however meanwhile yesterday today tomorrow tonight last next earlier later also still now
then there here in on at for from with by of to into over under about during despite without within between among
according monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december his her their our my your what why how where who which not no nor all some many
most more such both each every other another one two three several sources officials critics supporters analysts
experts despite once instead indeed still even just only mrs? nach bei und der die das den dem des ein eine einem le la
les un une et mais selon dans pour avec par sur sous"""
pron = """he she they we i it er sie es wir ich il elle ils elles nous je"""
det = """a an the one another two three four five several some many both each other his her their its our my this that these
those any no der die das ein eine le la les un une"""
prep = """for of at from with in on to by about under over into against within without between among after before during
via"""
conj = """and but or nor so yet while as when whereas because since although though if unless until that which who whom
whose where what how why und aber et mais que qui dass"""
aux = """has have had was is were be been also later then previously earlier recently once subsequently just reportedly
allegedly further simply only again repeatedly publicly privately separately quickly angrily flatly bluntly however
though too meanwhile instead a hat haben ont avait did does do has once now today yesterday last night initially
first finally"""
neg = """not never no neither nor would could might may should cannot wouldn't couldn't didn't doesn't don't won't
isn't wasn't aren't weren't hasn't haven't hadn't shouldn't mightn't wouldn’t couldn’t didn’t doesn’t don’t won’t
isn’t wasn’t hasn’t haven’t hadn’t shouldn’t if unless refused declined"""
intro = """amid amidst despite following speaking addressing asked meanwhile however moreover instead indeed still
even just only also later earlier today yesterday tonight then now there here again thus hence nonetheless
nevertheless furthermore besides otherwise separately similarly likewise"""
abbrev = """mr mrs ms dr st gen sen rep gov lt col capt prof jr sr vs no inc ltd co corp mt rev hon jan feb aug sept
sep oct nov dec messrs fig approx dept est sgt"""
conn = """de van von der den da bin al le la del di du ter ten dos das ibn bint el y of mc mac"""
for n, w in [("cue_finite", finite), ("cue_part", part), ("titles", titles), ("org_words", orgs),
             ("place_first", placefirst), ("stop_words", stop), ("pronouns", pron), ("determiners", det),
             ("prepositions", prep), ("conjunctions", conj), ("aux_words", aux), ("negators", neg),
             ("abbrevs", abbrev), ("intro_words", intro), ("name_connectors", conn)]:
    arr(n, w.replace('mrs?', ''))
broad = """called calling calls call described describes describing dubbed dubbing labeled labelled labeling labelling
branded branding termed terming accused accusing accuses offered offering offers pledged pledging pledges promised
vowed blasted blasting slammed slamming praised praising mocked mocking derided deriding dismissed dismissing criticized
criticised criticizing criticising referred refers referring hailed hailing chanted chanting chant chants urged
warned insisted demanded cited citing quoted quoting characterized characterised characterizing deemed deems
considered considers named nicknamed titled promising blamed blaming assured assures bemoaned lamented decried
denounced condemned questioned implied touted touting predicted suggested argued acknowledged admitted conceded
thanked tweeted wrote writes writing posted read reads headlined mentioned mentions pronounced proclaimed promise
promises warns warning accuse describe label brand praise mock slam blast deride dismiss criticize criticise
dubs labels brands blames blame vow vows pledge insist insists demand demands cite cites claimed claims claim
declared declares call asked asking asks told tell tells telling said says say saying added adds adding remarked
stated states noted notes stressed emphasized emphasised believes believe believed thinks think thought wants
want wanted portrayed portray portrays portraying cast casting crying cries cried shouting shouted yelling yelled
chanted touted recommended recommends echoed gloated blared charged charges vowing pledging promising"""
arr("cue_broad", broad)

def lex_hash(b):
    # must match lex_hash() printed below: the bytes OR 0x20 (equal for words equal up to ASCII case),
    # so only the first two, the last two and the length are read, then a 32-bit finaliser
    n = len(b)
    x = ((b[0] | 0x20) | ((b[1 if n > 1 else 0] | 0x20) << 8) | ((b[n - 1] | 0x20) << 16)
         | ((b[n - 2 if n > 2 else 0] | 0x20) << 24))
    x ^= (n * 0x9E3779B9) & 0xFFFFFFFF
    x = (x * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0xC2B2AE35) & 0xFFFFFFFF
    x ^= x >> 16
    return x

words = {}
for bit, (name, ws) in enumerate(LISTS):
    for w in ws:
        words.setdefault(w.encode('utf-8'), set()).add(bit)
size = 1
while size < 4 * len(words):
    size *= 2
table = [None] * size
maxprobe = 0
for w in sorted(words):
    h = lex_hash(w) & (size - 1)
    k = 0
    while table[h] is not None:
        h = (h + 1) & (size - 1)
        k += 1
    maxprobe = max(maxprobe, k)
    table[h] = w
maxlen = max(len(w) for w in words)
assert len(LISTS) <= 31  # bit 31 is LEX_UNSET in quotes_attrib.c
print("/* Generated by core/quotes_lex.py: edit the script, not this file. %d words, %d slots, longest "
      "probe %d. */" % (len(words), size, maxprobe + 1))
print("#define LEX_SLOTS %du" % size)
print("#define LEX_MAXLEN %d" % maxlen)
print("""/* The slot hash of the word s[0..n) (1 <= n), the same for words equal up to ASCII case: its length
 * and its first two and last two bytes OR 0x20, mixed by a 32-bit finaliser (no loop over the word). */
static inline uint32_t lex_hash(const unsigned char *s, size_t n)
{
    uint32_t x = (uint32_t)(s[0] | 0x20) | (uint32_t)(s[n > 1 ? 1 : 0] | 0x20) << 8 |
                 (uint32_t)(s[n - 1] | 0x20) << 16 | (uint32_t)(s[n > 2 ? n - 2 : 0] | 0x20) << 24;
    x ^= (uint32_t)n * 0x9E3779B9u;
    x *= 0x85EBCA6Bu;
    x ^= x >> 15;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return x;
}""")
print("enum {")
for bit, (name, ws) in enumerate(LISTS):
    print("    LX_%s = 1u << %d," % (name, bit))
print("};")
print("typedef struct lex_entry {\n    char w[%d]; /* NUL-padded */\n    uint8_t n;\n"
      "    uint32_t mask;\n} lex_entry;" % (maxlen + 1))
order = sorted(words)
index = {w: i for i, w in enumerate(order)}
def cstr(b):
    return ''.join(chr(x) if 32 <= x < 127 and x not in (34, 92) else '\\%03o' % x for x in b)
print("static const lex_entry lex_words[%d] = {" % len(order))
for w in order:
    mask = " | ".join("LX_" + LISTS[b][0] for b in sorted(words[w]))
    print('    {"%s", %d, %s},' % (cstr(w), len(w), mask))
print("};")
print("static const uint16_t lex_slot[LEX_SLOTS] = {")
print(", ".join("%d" % (index[w] + 1 if w is not None else 0) for w in table))
print("};")
print("/* Bit k %% 64 of lex_used[k / 64]: slot k is taken (1 KiB that stays in cache, so that most words of\n"
      " * a text, which are in no list, are answered without reading lex_slot). */")
print("static const uint64_t lex_used[LEX_SLOTS / 64] = {")
print(", ".join("0x%016xull" % sum(1 << b for b in range(64) if table[64 * i + b] is not None)
                for i in range(size // 64)))
print("};")

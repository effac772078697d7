"""Messages in German, French, Spanish and Polish (language.py, languages.yml)."""

from __future__ import annotations

import re

import pytest

from sedorum.safety.conversation import Turn, read_conversation
from sedorum.safety.emergency.verdict import assess
from sedorum.safety.language import (
    detect_language,
    load_languages,
    loose_pattern,
    plain,
    reply_lines,
    risk_kinds,
    to_english,
)


@pytest.mark.parametrize(
    ("message", "language"),
    [
        ("Ich bin im fünften Monat schwanger, darf ich Sedorum nehmen?", "de"),
        ("je suis enceinte de cinq mois", "fr"),
        ("estoy embarazada y tengo insuficiencia renal", "es"),
        ("jestem w ciąży, czy mogę brać magnez?", "pl"),
    ],
)
def test_the_four_languages_are_recognised(message: str, language: str) -> None:
    assert detect_language(message) == language


@pytest.mark.parametrize(
    "message",
    [
        "my legs are restless at night",
        "hola",
        "la la la my legs",
        "i cant sleep nie",
        "no I do not have kidney disease",
    ],
)
def test_english_with_a_foreign_word_or_a_typo_stays_english(message: str) -> None:
    assert detect_language(message) == "en" and to_english(message) == message


@pytest.mark.parametrize(
    ("message", "fact"),
    [
        ("Ich bin auf Dialyse", "kidney_disease"),
        ("j'ai une insuffisance rénale", "kidney_disease"),
        ("tengo insuficiencia renal y estoy cansada", "kidney_disease"),
        ("mam chorobę nerek, czy mogę brać magnez", "kidney_disease"),
    ],
)
def test_safety_facts_in_other_languages_are_the_visitors_facts(message: str, fact: str) -> None:
    reading = read_conversation([Turn(message)])
    assert fact in reading.profile.conditions, to_english(message)


@pytest.mark.parametrize(
    "message",
    [
        "Ich habe keine Nierenerkrankung, wie viel darf ich nehmen?",
        "Je n'ai aucune maladie des reins, combien puis-je prendre?",
    ],
)
def test_kein_and_aucun_are_a_no_not_a_yes(message: str) -> None:
    # Unquoted in languages.yml, `no` was read as false and glossed "False": a denial became the fact.
    reading = read_conversation([Turn(message)])
    assert "kidney_disease" in reading.profile.denied_conditions, to_english(message)
    assert "kidney_disease" not in reading.profile.conditions, to_english(message)


def test_polish_on_is_he_so_his_condition_is_not_the_visitors() -> None:
    message = "on ma chorobę nerek, czy może brać magnez?"
    assert to_english(message).startswith("he has kidney disease")
    assert "kidney_disease" not in read_conversation([Turn(message)]).profile.conditions


@pytest.mark.parametrize("code", ["de", "fr", "es", "pl"])
def test_each_language_says_it_answers_in_english_and_gives_the_emergency_line(code: str) -> None:
    lines = reply_lines(code, ("emergency",), {"emergency_number": "999", "emergency_department": "A&E"})
    assert len(lines) == 2 and "999" in lines[1] and "A&E" in lines[1]
    assert reply_lines("en", ("emergency",), {}) == []


def test_every_language_has_every_reply_and_no_unfilled_placeholder() -> None:
    values = {"emergency_number": "999", "emergency_department": "A&E", "same_day_help": "x"}
    for code in load_languages():
        for line in reply_lines(code, ("emergency", "poisoning", "crisis", "urgent", "clinician"), values):
            assert "{" not in line, (code, line)


# ----------------------------------------------------------------------------- fresh sentences
# Written for this suite, not taken from the generated checklist: what a visitor might type,
# with and without accents, in each language. The reply kind is the emergency verdict's.

FRESH_EMERGENCIES = {
    "de": [
        ("Meine Oma ist gerade in der Küche zusammengebrochen", "emergency"),
        ("mein mann atmet nicht mehr, was soll ich tun", "emergency"),
        ("Ich habe seit einer Stunde Druck auf der Brust und Schmerzen im linken Arm", "emergency"),
        ("Der Mund von meinem Opa hängt plötzlich schief und er lallt", "emergency"),
        ("Hilfe, mein Vater ist ohnmächtig geworden und wacht nicht auf", "emergency"),
        ("Meine Frau kriegt kaum Luft und ihre Lippen werden blau", "emergency"),
        ("Meine Mutter hat plötzlich einen Krampfanfall", "emergency"),
        ("Unser Kleinkind hat die Eisentabletten aus meiner Tasche geschluckt", "poisoning"),
        ("ich habe die ganze Packung Schlaftabletten genommen", "alarm"),
        ("Ich habe eine Überdosis Tabletten genommen", "alarm"),
        ("Ich habe Selbstmordgedanken", "crisis"),
        ("ich will nicht mehr, ich will sterben", "crisis"),
        ("Meine Tochter hat sich geritzt", "crisis"),
        ("Ich denke die ganze Zeit an Suizid", "crisis"),
        ("mein leben hat keinen sinn mehr", "crisis"),
        ("bitte schnell, meine frau ist umgefallen und atmet komisch", "emergency"),
        ("mein Papa kann seinen Arm nicht mehr bewegen und redet wirr", "emergency"),
        ("ich hab das gefühl mein herz setzt aus und mir ist schwindelig, ich kipp gleich um", "emergency"),
        ("meine kleine hat den ganzen Blister Eisentabletten leer gemacht", "poisoning"),
        ("ich kann nicht mehr, ich will mich umbringen", "crisis"),
        ("Ich will einfach nur noch tot sein", "crisis"),
        ("hilfe meine mutter liegt am boden und reagiert nicht mehr", "emergency"),
        ("mein kind hat tabletten von oma verschluckt", "poisoning"),
        ("ich habe gestern 20 tabletten auf einmal genommen", "alarm"),
        ("manchmal denke ich es wäre besser wenn ich nicht mehr da wäre", "crisis"),
    ],
    "fr": [
        ("Mon grand-père est tombé et il ne répond plus", "emergency"),
        ("ma fille ne respire plus!!", "emergency"),
        ("au secours mon bebe ne respire plus", "emergency"),
        ("j'ai mal a la poitrine depuis une heure et je transpire", "emergency"),
        ("Mon mari a une douleur thoracique qui ne passe pas", "emergency"),
        ("La bouche de ma mère est de travers et elle n'arrive plus à parler", "emergency"),
        ("mon pere a fait un malaise et il est inconscient", "emergency"),
        ("ma mère fait une crise d'épilepsie maintenant", "emergency"),
        ("Mon fils de 2 ans a avalé des comprimés de fer", "poisoning"),
        ("ma petite a croqué des comprimés de Sedorum", "poisoning"),
        ("J'ai pris toute la boîte de cachets", "alarm"),
        ("j'ai des pensées suicidaires", "crisis"),
        ("je veux en finir avec la vie", "crisis"),
        ("Je me scarifie depuis des semaines", "crisis"),
        ("je n'ai plus envie de vivre", "crisis"),
        ("je pense à me tuer", "crisis"),
        ("vite, mon mari est tombé par terre et respire bizarrement", "emergency"),
        ("mon père n'arrive plus à lever le bras et parle bizarrement", "emergency"),
        ("j'ai une douleur qui serre dans la poitrine et je transpire", "emergency"),
        ("ma fille de 2 ans a mangé plusieurs comprimés de fer", "poisoning"),
        ("je veux me tuer ce soir", "crisis"),
        ("j'ai envie de mourir, je n'en peux plus", "crisis"),
        ("aide moi ma mere est par terre elle repond plus", "emergency"),
        ("mon gamin a avale des pilules de sa grand mere", "poisoning"),
        ("j ai avale 20 comprimes d un coup", "alarm"),
        ("parfois je me dis que ce serait mieux si je n etais plus la", "crisis"),
    ],
    "es": [
        ("Mi abuelo se ha desplomado en el baño", "emergency"),
        ("mi bebe no respira!!", "emergency"),
        ("tengo un dolor de pecho muy fuerte desde hace media hora", "emergency"),
        ("Me duele mucho el pecho y me cuesta respirar", "emergency"),
        ("A mi madre se le cae la boca de un lado y no puede hablar bien", "emergency"),
        ("mi marido se ha desmayado y no reacciona", "emergency"),
        ("mi padre está inconsciente en el suelo", "emergency"),
        ("mi madre tiene convulsiones ahora mismo", "emergency"),
        ("Mi niña de tres años se tragó las pastillas de hierro de su hermana", "poisoning"),
        ("mi hijo se comio unas pastillas de hierro, ¿qué hago?", "poisoning"),
        ("me he tomado todas las pastillas del bote", "alarm"),
        ("tengo pensamientos suicidas", "crisis"),
        ("ya no quiero vivir mas", "crisis"),
        ("me corto los brazos cuando estoy triste", "crisis"),
        ("he pensado en quitarme la vida", "crisis"),
        ("quiero morir, no aguanto más", "crisis"),
        ("rapido, mi mujer se ha caido y respira raro", "emergency"),
        ("mi padre no puede mover el brazo y habla raro", "emergency"),
        ("siento una presión muy fuerte en el pecho y sudo mucho", "emergency"),
        ("mi hija de 2 años se ha comido varias pastillas de hierro", "poisoning"),
        ("me quiero matar esta noche", "crisis"),
        ("tengo ganas de morirme, ya no puedo más", "crisis"),
        ("ayuda mi madre esta en el suelo y no responde", "emergency"),
        ("mi crio se ha tragado pastillas de la abuela", "poisoning"),
        ("me tome 20 pastillas de golpe", "alarm"),
        ("a veces pienso que seria mejor si yo no estuviera", "crisis"),
    ],
    "pl": [
        ("Moja babcia upadła i nie reaguje", "emergency"),
        ("moj maz nie oddycha!!", "emergency"),
        ("Pomocy, dziecko nie oddycha", "emergency"),
        ("od godziny mam silny ból w klatce piersiowej", "emergency"),
        ("mam duszność i ucisk w klatce piersiowej", "emergency"),
        ("Mamie opadł kącik ust i bełkocze", "emergency"),
        ("mój tata zasłabł i nie można go obudzić", "emergency"),
        ("mój mąż ma drgawki i nie reaguje", "emergency"),
        ("Mój synek połknął kilka tabletek z żelazem", "poisoning"),
        ("Moja córka zjadła tabletki z żelazem", "poisoning"),
        ("połknęłam całe opakowanie tabletek", "alarm"),
        ("mam myśli samobójcze", "crisis"),
        ("nie chce juz zyc", "crisis"),
        ("tnę się, kiedy jest mi źle", "crisis"),
        ("myślę o tym, żeby się zabić", "crisis"),
        ("nie chcę już dłużej żyć", "crisis"),
        ("szybko, moja żona upadła i dziwnie oddycha", "emergency"),
        ("tata nie może podnieść ręki i dziwnie mówi", "emergency"),
        ("czuję silny ucisk w klatce i się pocę", "emergency"),
        ("moja 2-letnia córka zjadła kilka tabletek żelaza", "poisoning"),
        ("chcę się dziś zabić", "crisis"),
        ("mam ochotę umrzeć, już nie daję rady", "crisis"),
        ("pomocy mama lezy na podlodze i nie reaguje", "emergency"),
        ("moje dziecko polknelo tabletki babci", "poisoning"),
        ("wzielam 20 tabletek naraz", "alarm"),
        ("czasem mysle ze byloby lepiej gdyby mnie nie bylo", "crisis"),
    ],
}

FRESH_NOT_EMERGENCIES = {
    "de": [
        "Ich habe nachts unruhige Beine und kann nicht schlafen",
        "Meine Beine kribbeln abends, hilft Magnesium?",
        "Wie viel Magnesium darf ich am Abend nehmen?",
        "Ich bin 80 und nehme Abführmittel mit Magnesium",
        "ich bin dialysepflichtig, darf ich sedorum nehmen",
        "meine Beine zucken jede Nacht, was kann ich tun",
        "Kann ich Sedorum zusammen mit Eisentabletten nehmen?",
        "Wie lange dauert es, bis Magnesium wirkt?",
        "Meine Waden krampfen nachts, ist das Restless Legs?",
        "Ich atme abends tief durch, trotzdem zucken die Beine",
        "Hilft Magnesium auch in der Stillzeit?",
        "Was passiert, wenn ich eine Tablette vergesse?",
        "Ich schlucke Tabletten schlecht, gibt es Pulver?",
        "Mein Arzt sagt, mein Ferritin ist niedrig",
        "Ist Sedorum vegan?",
        "Wo kann ich Sedorum kaufen?",
        "Meine Mutter ist 85 und hat unruhige Beine, was hilft?",
    ],
    "fr": [
        "J'ai des impatiences dans les jambes le soir, que faire ?",
        "Mes jambes bougent toute la nuit, je suis fatiguée",
        "je suis enceinte de 3 mois, puis-je prendre du magnésium ?",
        "quelle dose de magnesium pour les jambes sans repos ?",
        "j'ai 75 ans et je prends des anti-acides",
        "je suis dialysée, est-ce que je peux prendre sedorum",
        "mes jambes tressautent chaque nuit, que faire",
        "Puis-je prendre Sedorum avec mes comprimés de fer ?",
        "Combien de temps faut-il pour que le magnésium agisse ?",
        "J'ai des crampes aux mollets la nuit, est-ce le syndrome des jambes sans repos ?",
        "Je respire profondément le soir mais mes jambes bougent",
        "Le magnésium est-il permis pendant l'allaitement ?",
        "Que faire si j'oublie un comprimé ?",
        "J'ai du mal à avaler les comprimés, existe-t-il une poudre ?",
        "Mon médecin dit que ma ferritine est basse",
        "Où acheter Sedorum ?",
        "Ma mère a 85 ans et des jambes sans repos, qu'est-ce qui aide ?",
        "je suis fatiguée et j'ai du mal à dormir",
    ],
    "es": [
        "tengo las piernas inquietas por la noche, ¿qué puedo hacer?",
        "No duermo bien porque me molestan las piernas",
        "¿Cuánto magnesio puedo tomar si estoy embarazada?",
        "Tengo 70 años y tomo omeprazol, ¿puedo tomar Sedorum?",
        "mis piernas no paran quietas por la noche",
        "estoy en dialisis, ¿puedo tomar sedorum?",
        "mis piernas dan saltos cada noche, ¿qué hago?",
        "¿Puedo tomar Sedorum con pastillas de hierro?",
        "¿Cuánto tarda el magnesio en hacer efecto?",
        "Tengo calambres en las pantorrillas por la noche, ¿es piernas inquietas?",
        "Respiro hondo por la noche pero mis piernas se mueven",
        "¿El magnesio se puede tomar durante la lactancia?",
        "¿Qué pasa si olvido una pastilla?",
        "Me cuesta tragar las pastillas, ¿hay polvo?",
        "Mi médico dice que tengo la ferritina baja",
        "¿Dónde puedo comprar Sedorum?",
        "Mi madre tiene 85 años y piernas inquietas, ¿qué le ayuda?",
        "estoy muy cansada y no puedo dormir",
    ],
    "pl": [
        "mam niespokojne nogi w nocy, co mogę zrobić?",
        "nie mogę spać, bo nogi mi się ruszają",
        "Ile magnezu mogę brać w ciąży?",
        "mam 68 lat i biorę omeprazol",
        "w nocy nogi mnie bolą i nie mogę zasnąć",
        "jestem na dializach, czy mogę brać sedorum?",
        "nogi mi skaczą co noc, co robić?",
        "Czy mogę brać Sedorum razem z tabletkami z żelazem?",
        "Jak długo trwa, zanim magnez zacznie działać?",
        "Mam skurcze łydek w nocy, czy to zespół niespokojnych nóg?",
        "Wieczorem głęboko oddycham, ale nogi i tak się ruszają",
        "Czy magnez można brać w czasie karmienia piersią?",
        "Co jeśli zapomnę tabletki?",
        "Trudno mi połykać tabletki, czy jest proszek?",
        "Lekarz mówi, że mam niską ferrytynę",
        "Czy Sedorum jest wegańskie?",
        "Gdzie mogę kupić Sedorum?",
        "Moja mama ma 85 lat i niespokojne nogi, co pomaga?",
        "jestem bardzo zmęczona i nie mogę spać",
    ],
}

ALARMS = ("emergency", "crisis", "poisoning")


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [(code, message, kind) for code, items in FRESH_EMERGENCIES.items() for message, kind in items],
)
def test_fresh_emergencies_get_their_reply_in_the_visitors_language(code: str, message: str, kind: str) -> None:
    verdict = assess(message)
    assert verdict.language == code, verdict.english
    if kind == "alarm":
        assert verdict.reply in ALARMS, verdict.english
    else:
        assert verdict.reply == kind, verdict.english
    lines = reply_lines(code, verdict.replies, {"emergency_number": "999", "emergency_department": "A&E"})
    assert lines[0] == load_languages()[code].replies["english_only"]
    assert any("999" in line or "A&E" in line for line in lines[1:])


@pytest.mark.parametrize(
    ("code", "message"),
    [(code, message) for code, items in FRESH_NOT_EMERGENCIES.items() for message in items],
)
def test_fresh_restless_legs_questions_are_not_emergencies(code: str, message: str) -> None:
    verdict = assess(message)
    assert verdict.language == code and verdict.reply is None, (verdict.english, verdict.signs)


@pytest.mark.parametrize(
    ("message", "fact", "visitors"),
    [
        ("Ich bin 72 Jahre alt und nehme Digoxin", "age:72", True),
        ("ich bin schwanger in der 12. woche", "pregnant", True),
        ("bin 34 ssw", "pregnant", True),
        ("hab chronische niereninsuffizienz stadium 4", "kidney_disease", True),
        ("mein mann hat nierenversagen, ich will es für mich", "kidney_disease", False),
        ("Ich bin im dritten Monat schwanger", "pregnant", True),
        ("Ich stille noch, darf ich Magnesium nehmen?", "breastfeeding", True),
        ("ich muss zur Dialyse, dreimal die woche", "kidney_disease", True),
        ("Ich bin seit zwei Jahren an der Dialyse", "kidney_disease", True),
        ("Meine Mutter ist an der Dialyse, ich nicht", "kidney_disease", False),
        ("Mein Vater ist Dialysepatient", "kidney_disease", False),
        ("J'ai 70 ans et je prends un diurétique", "age:70", True),
        ("je suis enceinte de 7 mois", "pregnant", True),
        ("jsuis dialysee depuis 2019", "kidney_disease", True),
        ("ma femme a une insuffisance renale mais moi non", "kidney_disease", False),
        ("j'allaite mon bébé de 3 mois", "breastfeeding", True),
        ("je suis en dialyse depuis deux ans", "kidney_disease", True),
        ("J'ai une insuffisance rénale sévère", "kidney_disease", True),
        ("mon mari est dialysé", "kidney_disease", False),
        ("Ma mère a une maladie rénale", "kidney_disease", False),
        ("Tengo 68 años y tomo levodopa", "age:68", True),
        ("estoy embarazada de 5 meses", "pregnant", True),
        ("embarazada de 34 semanas", "pregnant", True),
        ("tengo enfermedad renal cronica estadio 4", "kidney_disease", True),
        ("mi marido esta en dialisis, yo no", "kidney_disease", False),
        ("estoy dando el pecho a mi bebé", "breastfeeding", True),
        ("me hacen dialisis tres veces a la semana", "kidney_disease", True),
        ("Estoy en tratamiento de diálisis", "kidney_disease", True),
        ("mi padre tiene insuficiencia renal", "kidney_disease", False),
        ("Mam 75 lat i biorę digoksynę", "age:75", True),
        ("jestem w piątym miesiącu ciąży", "pregnant", True),
        ("mam przewlekla chorobe nerek 4 stadium", "kidney_disease", True),
        ("moja zona jest dializowana, ja nie", "kidney_disease", False),
        ("jestem w 10 tygodniu ciąży", "pregnant", True),
        ("karmię piersią, czy mogę brać magnez?", "breastfeeding", True),
        ("od roku jestem na dializach", "kidney_disease", True),
        ("Choruję na nerki od lat", "kidney_disease", True),
        ("mój tata ma chore nerki", "kidney_disease", False),
        ("Moja mama jest dializowana", "kidney_disease", False),
    ],
)
def test_fresh_safety_facts_are_read_and_a_relatives_stay_theirs(message: str, fact: str, visitors: bool) -> None:
    profile = read_conversation([Turn(message)]).profile
    if fact.startswith("age:"):
        assert profile.age == float(fact.split(":")[1]), to_english(message)
    elif fact in ("pregnant", "breastfeeding"):
        assert bool(getattr(profile, fact)) is visitors, to_english(message)
    else:
        assert (fact in profile.conditions) is visitors, to_english(message)


@pytest.mark.parametrize(
    ("message", "medicine"),
    [
        ("Ich nehme Digoxin und Wassertabletten", "digoxin"),
        ("je prends de la lévodopa le soir", "levodopa"),
        ("tomo digoxina todos los días", "digoxin"),
        ("biorę lewodopę na parkinsona", "levodopa"),
    ],
)
def test_medicines_named_in_the_language_are_the_visitors(message: str, medicine: str) -> None:
    assert medicine in read_conversation([Turn(message)]).profile.medications, to_english(message)


@pytest.mark.parametrize(
    ("message", "denied"),
    [
        ("Ich habe keine Nierenprobleme", "kidney_disease"),
        ("je n'ai pas de problème de reins", "kidney_disease"),
        ("no tengo problemas de riñon", "kidney_disease"),
        ("nie mam choroby nerek", "kidney_disease"),
    ],
)
def test_a_denied_condition_in_the_language_is_denied(message: str, denied: str) -> None:
    profile = read_conversation([Turn(message)]).profile
    assert denied in profile.denied_conditions and denied not in profile.conditions, to_english(message)


# ----------------------------------------------------------------------------- typed without accents


@pytest.mark.parametrize(
    ("accented", "plain_typed"),
    [
        ("jestem w ciąży, czy mogę brać magnez?", "jestem w ciazy, czy moge brac magnez?"),
        ("Ich bin im fünften Monat schwanger", "Ich bin im fuenften Monat schwanger"),
        ("tengo insuficiencia renal y estoy en diálisis", "tengo insuficiencia renal y estoy en dialisis"),
        ("j'ai une insuffisance rénale", "jai une insuffisance renale"),
        ("j'ai une maladie rénale", "j ai une maladie renale"),
    ],
)
def test_a_message_typed_without_accents_reads_like_the_accented_one(accented: str, plain_typed: str) -> None:
    assert detect_language(plain_typed) == detect_language(accented) != "en"
    assert to_english(plain_typed) == to_english(accented).replace("'", "")
    typed_profile = read_conversation([Turn(plain_typed)]).profile.to_dict()
    assert typed_profile == read_conversation([Turn(accented)]).profile.to_dict()


def test_plain_strips_accents_and_the_polish_l() -> None:
    assert plain("Ciąża, Łódź, FÜNFTEN, riñón, cœur") == "ciaza, lodz, funften, rinon, cœur"


@pytest.mark.parametrize(
    ("phrase", "typed", "matches"),
    [
        ("riñón", "rinon", True),
        ("dialisis", "diálisis", True),
        ("fünften", "fuenften", True),
        ("fünften", "funften", True),
        ("j'ai", "jai", True),
        ("aidez-moi", "aidez moi", True),
        ("połknął", "polknal", True),
        ("nerki", "nerkia", False),
    ],
)
def test_loose_pattern_matches_the_phrase_with_or_without_accents(phrase: str, typed: str, matches: bool) -> None:
    found = re.fullmatch(loose_pattern(phrase), typed, re.IGNORECASE)
    assert bool(found) is matches


def test_an_accented_word_listed_as_such_matches_only_with_its_accent() -> None:
    # Spanish "él" is he; "el" is the: "el corazón" must not become "he heart".
    assert to_english("él tiene insuficiencia renal").startswith("he has")
    assert "he" not in to_english("el corazón me late muy despacio").split()


def test_the_gloss_is_one_pass_an_english_word_it_wrote_is_not_glossed_again() -> None:
    # Polish "on" is he: "dializowany" -> "on dialysis" must not become "he dialysis".
    assert to_english("Jestem dializowany") == "I am on dialysis"


# ----------------------------------------------------------------------------- English stays English


@pytest.mark.parametrize(
    "message",
    [
        "my mum, Françoise, can't sleep because of her legs",
        "my name is Jürgen and I have restless legs at night",
        "I'm Zofia, 42, restless legs every night, what helps",
        "my doctor in Kraków said I have low ferritin, what does that mean",
        "my grandmother in Málaga has restless legs, what can she try",
        "my son José is 12, can he take magnesium",
        "I take magnesium glycinate, is that ok with ramipril",
        "my legs ache at nigth, magnesim helps?",
        "Łukasz here, my legs twitch at night",
    ],
)
def test_english_with_a_foreign_name_or_typos_stays_english_and_is_no_emergency(message: str) -> None:
    verdict = assess(message)
    assert verdict.language == "en" and to_english(message) == message
    assert verdict.reply is None, verdict.signs


# ----------------------------------------------------------------------------- risk words


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Hallo, mein Mann ist lebensmüde", "crisis"),
        ("Bonjour, mon mari parle de suicide depuis hier", "crisis"),
        ("hola, mi padre esta paralizado de repente", "emergency"),
        ("Dzień dobry, mój mąż przedawkował leki", "poisoning"),
    ],
)
def test_a_risk_word_the_gloss_cannot_place_still_gets_the_urgent_reply(message: str, kind: str) -> None:
    assert assess(message).reply in ALARMS
    language = load_languages()[detect_language(message)]
    assert any(found == kind for found, _ in risk_kinds(message, language.code))


def test_risk_words_are_whole_words_unless_written_as_a_beginning() -> None:
    # "avalé" (swallowed) is a risk word; "avaler" (to swallow) is an ordinary word.
    assert risk_kinds("Mon fils a avalé mes comprimés", "fr")
    assert not risk_kinds("J'ai du mal à avaler les comprimés", "fr")
    # "suicid*" is a beginning: suicidaire, suicider.
    assert [kind for kind, _ in risk_kinds("je suis suicidaire", "fr")] == ["crisis"]


def test_the_german_article_die_is_never_the_english_verb() -> None:
    from sedorum.safety.emergency.risk import has_risk_words

    text = "Ich bin 45, gesund, keine Nierenprobleme. Was ist die Höchstmenge Magnesium pro Tag?"
    assert not has_risk_words(to_english(text))
    assert "die" in to_english("Meine Mutter will sterben").split()


@pytest.mark.parametrize(
    ("text", "in_full"),
    [
        ("Ich bin 45, gesund, keine Nierenprobleme. Was ist die Höchstmenge Magnesium pro Tag?", True),
        ("Ich bin 70 und nehme Gaviscon, wie viel Magnesium?", False),
        ("how much magnesium can I take", True),
    ],
)
def test_a_message_is_read_in_full_only_when_its_gloss_left_nothing_unread(text: str, in_full: bool) -> None:
    from sedorum.safety.language import read_in_full

    assert read_in_full(text) is in_full


def test_amounts_in_another_language_only_when_every_word_was_read() -> None:
    read = read_conversation([Turn("Ich bin 45, gesund, keine Nierenprobleme. Wie viel Magnesium pro Tag?")])
    unread = read_conversation([Turn("Ich bin 45 und nehme Gaviscon. Wie viel Magnesium pro Tag?")])
    assert not read.not_english and unread.not_english

"""What the demo workshop and pact say (Italian, as on the day)."""

WORKSHOP_TITLE = "Verso un patto di comunità per fornire supporto alle famiglie"
WORKSHOP_DESCRIPTION = (
    "Incontro del 24 ottobre alla Casermetta San Paolino: plenaria iniziale, "
    "tavoli tematici con facilitatori, plenaria di sintesi."
)

# (theme, room, topic slugs, facilitator index, contributions, synthesis)
TABLES = [
    (
        "Servizi educativi 0-6 e orari",
        "Sala grande",
        ["nido", "scuola-infanzia", "pre-scuola", "doposcuola"],
        0,
        [
            (
                "point_of_view",
                "I servizi ci sono, ma gli orari pensano ai bambini "
                "di chi non lavora a turni.",
            ),
            (
                "need",
                "Un'apertura del nido fino alle 18:30 almeno due giorni a settimana.",
            ),
            (
                "experience",
                "A Capannori il pre-scuola dalle 7:30 ha permesso a "
                "molte mamme di non lasciare il lavoro.",
            ),
            (
                "concern",
                "Le liste d'attesa dei nidi pubblici escludono chi cambia "
                "lavoro a metà anno.",
            ),
            (
                "proposal",
                "Un calendario unico dei servizi 0-6 della Piana, con "
                "orari e posti liberi, aggiornato dai gestori.",
            ),
            (
                "proposal",
                "Estendere il pre-scuola in tutti i comuni della Piana "
                "con un costo calmierato.",
            ),
        ],
        "Orari più lunghi e flessibili e informazioni chiare sui posti: il "
        "tavolo chiede un calendario unico dei servizi 0-6 e il pre-scuola in "
        "tutti i comuni.",
    ),
    (
        "Conciliazione e lavoro: imprese e welfare aziendale",
        "Sala 2",
        ["orari-flessibili", "smart-working", "welfare-aziendale"],
        1,
        [
            (
                "point_of_view",
                "Le piccole imprese vogliono aiutare ma non hanno "
                "un ufficio del personale che se ne occupi.",
            ),
            (
                "need",
                "Sapere quali servizi di welfare si possono condividere tra "
                "più imprese della stessa zona.",
            ),
            (
                "experience",
                "Nelle Terre d'Argine una rete di imprese compra "
                "insieme posti nei centri estivi.",
            ),
            (
                "concern",
                "Lo smart working senza regole si trasforma in lavoro "
                "sempre e ovunque.",
            ),
            (
                "proposal",
                "Un accordo tra imprese della Piana per acquistare "
                "insieme servizi per i figli dei dipendenti.",
            ),
            (
                "proposal",
                "Una carta dei tempi di lavoro amici delle famiglie da "
                "far sottoscrivere alle imprese aderenti.",
            ),
        ],
        "Le imprese sono pronte a fare rete se qualcuno coordina: accordo di "
        "acquisto condiviso e carta dei tempi di lavoro.",
    ),
    (
        "Reti tra famiglie e mutuo aiuto",
        "Sala 3",
        [
            "banca-del-tempo",
            "auto-mutuo-aiuto",
            "babysitting",
            "sostegno-genitorialita",
        ],
        0,
        [
            (
                "point_of_view",
                "Le famiglie arrivate da poco non hanno nonni "
                "vicini e non conoscono nessuno.",
            ),
            (
                "need",
                "Qualcuno di fidato per le emergenze, quando un bambino si "
                "ammala e non si può restare a casa.",
            ),
            (
                "experience",
                "Con Family Share a Bologna le famiglie si scambiano "
                "ore di cura con una app.",
            ),
            ("concern", "La fiducia: a chi affido mio figlio se non lo conosco?"),
            (
                "proposal",
                "Una banca del tempo tra famiglie della Piana, con "
                "incontri di conoscenza prima degli scambi.",
            ),
            (
                "proposal",
                "Uno sportello famiglie in ogni comune come punto di "
                "riferimento della rete.",
            ),
        ],
        "Il mutuo aiuto nasce dalla fiducia: prima conoscersi, poi scambiarsi "
        "tempo. Banca del tempo e sportello famiglie come porte della rete.",
    ),
    (
        "Tempo libero, estate e spostamenti",
        "Giardino",
        ["centri-estivi", "trasporto", "accompagnamento", "attivita-sportive"],
        1,
        [
            (
                "point_of_view",
                "L'estate è il periodo più difficile: la scuola "
                "chiude a giugno, le ferie sono ad agosto.",
            ),
            (
                "need",
                "Centri estivi anche a luglio inoltrato e nella prima "
                "settimana di settembre.",
            ),
            ("experience", "Il pedibus di Porcari funziona grazie ai nonni volontari."),
            (
                "concern",
                "I trasporti tra le frazioni e le attività sportive "
                "mancano nel pomeriggio.",
            ),
            (
                "proposal",
                "Coordinare i centri estivi della Piana perché coprano "
                "insieme tutte le settimane da giugno a settembre.",
            ),
        ],
        "Coprire le settimane scoperte dell'estate coordinando i centri estivi "
        "e risolvere gli spostamenti del pomeriggio con accompagnamento "
        "volontario.",
    ),
]

PACT_TITLE = "Patto di comunità per le famiglie della Piana di Lucca"
PACT_SLUG = "patto-di-comunita-piana-di-lucca"
PACT_SUMMARY = (
    "Le regole di base della rete che sostiene le famiglie con bambini da 0 a 6 "
    "anni nel conciliare esigenze familiari e lavoro."
)

PREAMBLE = (
    "<p>Famiglie, cittadini, istituzioni, realtà del terzo settore e imprese "
    "della Piana di Lucca, riuniti nel percorso <b>Lucca In famiglia</b>, "
    "si impegnano a costruire insieme una rete di supporto alle famiglie.</p>"
    "<p>Questo patto raccoglie le proposte emerse ai tavoli tematici del 24 "
    "ottobre 2020 e fissa i ruoli e le regole di base della rete.</p>"
)

# (title, body, proposal texts it cites: prefixes of contribution texts)
ARTICLES = [
    (
        "Finalità",
        "<p>La rete sostiene le famiglie della Piana nel conciliare tempi di "
        "cura e di lavoro, mettendo in comune servizi, informazioni e tempo.</p>",
        [],
    ),
    (
        "Informazione condivisa sui servizi",
        "<p>Gli aderenti tengono aggiornato un <b>calendario unico</b> dei "
        "servizi 0-6 della Piana, con orari e posti disponibili.</p>",
        ["Un calendario unico dei servizi 0-6"],
    ),
    (
        "Tempi di lavoro amici delle famiglie",
        "<p>Le imprese aderenti sottoscrivono la carta dei tempi di lavoro e "
        "valutano l'acquisto condiviso di servizi per i figli dei dipendenti.</p>",
        ["Una carta dei tempi di lavoro", "Un accordo tra imprese della Piana"],
    ),
    (
        "Mutuo aiuto tra famiglie",
        "<p>La rete promuove una banca del tempo tra famiglie, preceduta da "
        "incontri di conoscenza, e uno sportello famiglie in ogni comune.</p>",
        ["Una banca del tempo tra famiglie", "Uno sportello famiglie"],
    ),
    (
        "Estate coperta",
        "<p>I gestori dei centri estivi coordinano i calendari perché ogni "
        "settimana da giugno a settembre abbia almeno un servizio aperto.</p>",
        ["Coordinare i centri estivi"],
    ),
]

ROLES = [
    (
        "capofila",
        "Capofila",
        "Coordina la rete, convoca gli incontri e rappresenta la rete verso "
        "Lucca Family net.",
        "<ul><li>convoca l'assemblea almeno due volte l'anno</li>"
        "<li>tiene il registro degli aderenti</li></ul>",
    ),
    (
        "nodo",
        "Nodo",
        "Offre uno o più servizi alle famiglie e partecipa alla loro "
        "organizzazione comune.",
        "<ul><li>aggiorna orari e posti dei propri servizi</li>"
        "<li>partecipa ai tavoli di coordinamento</li></ul>",
    ),
    (
        "sostenitore",
        "Sostenitore",
        "Condivide le finalità del patto e lo sostiene con risorse, spazi o tempo.",
        "<ul><li>diffonde le iniziative della rete</li></ul>",
    ),
]

DURATION = "<p>Il patto ha durata di due anni dalla data di entrata in vigore.</p>"
RENEWAL = (
    "<p>Il patto si rinnova tacitamente per altri due anni, salvo recesso "
    "comunicato al capofila con tre mesi di preavviso.</p>"
)

DRAFT_CHANGES = {
    "article_title": "Pre-scuola in tutti i comuni",
    "article_body": "<p>I comuni aderenti valutano l'estensione del "
    "pre-scuola a costo calmierato in tutte le scuole dell'infanzia della "
    "Piana.</p>",
    "article_cites": ["Estendere il pre-scuola"],
    "renewal": "<p>Il patto si rinnova per altri due anni dopo una verifica "
    "in assemblea; ogni aderente può recedere con tre mesi di preavviso.</p>",
}

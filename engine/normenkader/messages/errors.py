"""What each stable error code means, in our own words (docs/error-codes.md is the source).

Shown after ``error CODE: where:`` in Dutch mode, before the detail the raising code wrote
(which names the file, value or limit involved). Keys are ``error.<CODE>``.
"""

from __future__ import annotations

#: code -> (en, nl)
ERRORS: dict[str, tuple[str, str]] = {
    # bundle: opening, staging and names
    "BUNDLE_UNREADABLE": ("the bundle cannot be opened", "de bundel is niet te openen"),
    "BUNDLE_FORMAT": (
        "the bundle is a file but not a zip archive",
        "de bundel is een bestand maar geen zip-archief",
    ),
    "BUNDLE_CHANGED": (
        "the bundle changed while it was being read",
        "de bundel veranderde terwijl hij werd gelezen",
    ),
    "BUNDLE_TOO_LARGE": ("the bundle is larger than allowed", "de bundel is groter dan toegestaan"),
    "BUNDLE_INVALID": (
        "the bundle is not the one that was sealed",
        "de bundel is niet de bundel die werd verzegeld",
    ),
    "BUNDLE_UNKNOWN": ("no such received bundle", "geen ontvangen bundel met die naam"),
    "FILE_TOO_LARGE": ("a file is larger than allowed", "een bestand is groter dan toegestaan"),
    "TOO_MANY_FILES": (
        "the bundle holds more files than allowed",
        "de bundel bevat meer bestanden dan toegestaan",
    ),
    "TAG_FILE_TOO_LARGE": (
        "a bag tag file or signature file is too large",
        "een tagbestand of handtekeningbestand van de bag is te groot",
    ),
    "MANIFEST_MISSING": (
        "no bundle.yaml (or bagit.txt) at the root",
        "geen bundle.yaml (of bagit.txt) in de hoofdmap",
    ),
    "MANIFEST_TOO_LARGE": ("bundle.yaml is too large", "bundle.yaml is te groot"),
    "SYMLINK": (
        "a symbolic link (never followed)",
        "een symbolische koppeling (wordt nooit gevolgd)",
    ),
    "HARDLINK": (
        "a file with more than one hard link",
        "een bestand met meer dan één harde koppeling",
    ),
    "SPECIAL_FILE": (
        "a FIFO, socket or device (never opened)",
        "een FIFO, socket of apparaat (wordt nooit geopend)",
    ),
    "PATH_TRAVERSAL": (
        "a path that climbs out with '..'",
        "een pad dat met '..' naar buiten klimt",
    ),
    "PATH_ABSOLUTE": ("an absolute path or drive letter", "een absoluut pad of stationsletter"),
    "PATH_INVALID": (
        "invalid path (backslash, or an empty or '.' component)",
        "ongeldig pad (backslash, of een lege of '.'-component)",
    ),
    "PATH_TOO_DEEP": ("folders nested deeper than allowed", "mappen dieper genest dan toegestaan"),
    "PATH_TOO_LONG": ("a path or name that is too long", "een pad of naam die te lang is"),
    "NAME_UNSAFE": (
        "an unsafe name (control or invisible character, trailing dot or space, device name)",
        "een onveilige naam (stuur- of onzichtbaar teken, punt of spatie aan het eind, "
        "apparaatnaam)",
    ),
    "NAME_ENCODING": ("a zip entry name that is not UTF-8", "een naam in de zip die geen UTF-8 is"),
    "NAME_COLLISION": (
        "two names that differ only in case or Unicode form",
        "twee namen die alleen in hoofdletters of Unicode-vorm verschillen",
    ),
    "DUPLICATE_ENTRY": ("the same name twice", "dezelfde naam twee keer"),
    "PATH_CONFLICT": (
        "one name used as both file and folder",
        "één naam gebruikt als bestand én als map",
    ),
    # zip archives
    "ZIP_CORRUPT": (
        "the zip archive is damaged or inconsistent",
        "het zip-archief is beschadigd of inconsistent",
    ),
    "ZIP_OVERLAP": ("zip entries share bytes", "zip-onderdelen delen dezelfde bytes"),
    "ZIP_ENCRYPTED": ("an encrypted zip entry", "een versleuteld zip-onderdeel"),
    "ZIP_UNSUPPORTED_METHOD": (
        "a compression method other than stored or deflate",
        "een andere compressiemethode dan stored of deflate",
    ),
    "ZIP_UNSUPPORTED": ("a zip split over several disks", "een zip verdeeld over meerdere delen"),
    "RATIO_EXCEEDED": (
        "compression ratio too high (zip bomb)",
        "compressieverhouding te hoog (zipbom)",
    ),
    # BagIt bags
    "BAG_INVALID": (
        "bagit.txt or bag-info.txt is not as required",
        "bagit.txt of bag-info.txt is niet zoals vereist",
    ),
    "BAG_FETCH": (
        "the bag has a fetch.txt; a bag must carry all its files",
        "de bag heeft een fetch.txt; een bag moet al zijn bestanden bevatten",
    ),
    "BAG_ALGORITHM": (
        "a bag manifest for another algorithm than sha256",
        "een bagmanifest voor een ander algoritme dan sha256",
    ),
    "BAG_MANIFEST_MISSING": (
        "the bag's sha256 manifest or tag manifest is missing",
        "het sha256-manifest of tagmanifest van de bag ontbreekt",
    ),
    "BAG_MANIFEST_INVALID": (
        "a bag manifest line is malformed",
        "een regel in een bagmanifest is onjuist opgebouwd",
    ),
    "BAG_OXUM_MISMATCH": (
        "Payload-Oxum disagrees with the payload",
        "Payload-Oxum klopt niet met de inhoud",
    ),
    "CHECKSUM_MISMATCH": (
        "a file's checksum differs from the manifest",
        "de controlesom van een bestand wijkt af van het manifest",
    ),
    "UNLISTED_FILE": (
        "a file that the manifest does not list",
        "een bestand dat niet in het manifest staat",
    ),
    "MISSING_FILE": (
        "the manifest lists a file that is not there",
        "het manifest noemt een bestand dat er niet is",
    ),
    # signatures and signed results
    "SIGNATURE_MISSING": (
        "a trusted signature is required but absent",
        "een vertrouwde handtekening is vereist maar ontbreekt",
    ),
    "SIGNATURE_INVALID": (
        "the signature or signed statement is invalid",
        "de handtekening of ondertekende verklaring is ongeldig",
    ),
    "SIGNATURE_UNTRUSTED": (
        "no trusted key made this signature",
        "geen vertrouwde sleutel heeft deze handtekening gezet",
    ),
    "SIGNATURE_SUBJECT_MISMATCH": (
        "the signature is about another bundle or result",
        "de handtekening gaat over een andere bundel of uitslag",
    ),
    "KEY_NOT_YET_VALID": (
        "the signing key was not yet valid when it signed",
        "de sleutel was nog niet geldig toen hij tekende",
    ),
    "KEY_EXPIRED": (
        "the signing key had expired when it signed",
        "de sleutel was verlopen toen hij tekende",
    ),
    "KEY_INVALID": (
        "the private key is not an unencrypted PEM Ed25519 key",
        "de privésleutel is geen onversleutelde PEM Ed25519-sleutel",
    ),
    "SIGNED_AT_INVALID": (
        "the statement has no valid signing time",
        "de verklaring heeft geen geldig ondertekeningstijdstip",
    ),
    "SIGNED_BEFORE_AS_OF": (
        "a result signed before its own as-of date",
        "een uitslag ondertekend vóór de eigen peildatum",
    ),
    "SIGNED_AFTER_AS_OF": (
        "the attestation was signed after the as-of date",
        "de verklaring is na de peildatum ondertekend",
    ),
    "ORGANISATION_MISMATCH": (
        "signed by a key of another organisation",
        "ondertekend met een sleutel van een andere organisatie",
    ),
    "TRUSTED_KEYS_ROLE_CONFLICT": (
        "a key holds both the submitter and supervisor role",
        "een sleutel heeft zowel de rol indiener als toezichthouder",
    ),
    "TRUSTED_KEYS_INVALID": (
        "the trusted-keys file is invalid",
        "het bestand met vertrouwde sleutels is ongeldig",
    ),
    "RERUN_INPUT_MISMATCH": (
        "an input differs from the one the statement records",
        "een invoer wijkt af van wat de verklaring vastlegt",
    ),
    "RESULT_INVALID": (
        "not a usable normenkader JSON result",
        "geen bruikbare JSON-uitslag van normenkader",
    ),
    "BASELINE_OTHER_SYSTEM": (
        "the baseline is a result of another algorithm",
        "de baseline is een uitslag van een ander algoritme",
    ),
    "NORM_SET_MISMATCH": (
        "the norms given are not the norm set of the result",
        "de opgegeven normen zijn niet de normenset van de uitslag",
    ),
    "REPORT_MISMATCH": (
        "the report differs from the signed one",
        "het rapport wijkt af van het ondertekende",
    ),
    "ATTESTATION_INVALID": (
        "the envelope holds no valid attestation statement",
        "de envelop bevat geen geldige verklaring",
    ),
    "ATTESTATION_CLAIM_MISMATCH": (
        "the attestation makes another claim than asked",
        "de verklaring beweert iets anders dan gevraagd",
    ),
    # manifest and ids
    "MANIFEST_INVALID": ("bundle.yaml is invalid", "bundle.yaml is ongeldig"),
    "ID_NOT_ASCII": (
        "an id with a non-ASCII or invisible character",
        "een id met een niet-ASCII- of onzichtbaar teken",
    ),
    "ID_INVALID": ("an id that is not allowed", "een id die niet is toegestaan"),
    "DUPLICATE_EVIDENCE_ID": (
        "two evidence entries with the same id",
        "twee bewijsstukken met dezelfde id",
    ),
    "UNKNOWN_EVIDENCE_KIND": ("an unknown evidence kind", "een onbekende soort bewijs"),
    "EVIDENCE_FILE_MISSING": (
        "an evidence entry names a file that is not in the bundle",
        "een bewijsstuk noemt een bestand dat niet in de bundel zit",
    ),
    "EVIDENCE_TOO_LARGE": (
        "a list in an evidence file is longer than allowed",
        "een lijst in een bewijsbestand is langer dan toegestaan",
    ),
    "PLACEHOLDER_LEFT": (
        "a value still holds an init placeholder",
        "een waarde bevat nog een plaatshouder van init",
    ),
    "UNKNOWN_FACT": ("an unknown profile fact", "een onbekend profielfeit"),
    # strict YAML and JSON
    "BAD_UTF8": ("the file is not valid UTF-8", "het bestand is geen geldige UTF-8"),
    "UNREADABLE": ("the file cannot be read", "het bestand is niet te lezen"),
    "YAML_SYNTAX": ("YAML syntax error", "fout in de YAML-syntaxis"),
    "YAML_ALIAS": (
        "YAML anchors and aliases are not accepted",
        "YAML-ankers en -aliassen worden niet geaccepteerd",
    ),
    "YAML_TAG": (
        "an explicit YAML tag is not accepted",
        "een expliciete YAML-tag wordt niet geaccepteerd",
    ),
    "YAML_DUPLICATE_KEY": ("a key appears twice", "een sleutel komt twee keer voor"),
    "YAML_KEY": ("a key that is not a plain string", "een sleutel die geen gewone tekst is"),
    "YAML_NAN": (".nan or .inf is not accepted", ".nan of .inf wordt niet geaccepteerd"),
    "YAML_TOO_DEEP": ("nested too deeply", "te diep genest"),
    "YAML_TOO_LARGE": ("too many YAML nodes", "te veel YAML-knooppunten"),
    "JSON_SYNTAX": ("JSON syntax error", "fout in de JSON-syntaxis"),
    "JSON_DUPLICATE_KEY": ("a key appears twice", "een sleutel komt twee keer voor"),
    "JSON_NAN": ("NaN or Infinity is not accepted", "NaN of Infinity wordt niet geaccepteerd"),
    "JSON_TOO_DEEP": ("nested too deeply", "te diep genest"),
    "NUMBER_TOO_LONG": ("a number that is too long", "een getal dat te lang is"),
    "SCHEMA_UNREPRESENTABLE": (
        "a value the schema check cannot represent",
        "een waarde die de schemacontrole niet kan weergeven",
    ),
    # datasets
    "DATASET_KIND": (
        "not a dataset this check can read",
        "geen dataset die deze controle kan lezen",
    ),
    "DATASET_FORMAT": ("unsupported dataset format", "niet ondersteunde datasetvorm"),
    "DATASET_UNREADABLE": ("the dataset cannot be read", "de dataset is niet te lezen"),
    "DATASET_ENCODING": (
        "unsupported or wrong dataset encoding",
        "niet ondersteunde of onjuiste tekencodering van de dataset",
    ),
    "DATASET_DELIMITER": ("invalid dataset delimiter", "ongeldig scheidingsteken in de dataset"),
    "DATASET_HEADER": ("the dataset header is invalid", "de kopregel van de dataset is ongeldig"),
    "DATASET_LINE_TOO_LONG": (
        "a dataset line that is too long",
        "een regel in de dataset die te lang is",
    ),
    "DATASET_COLUMN_INVALID": (
        "a declared column is not a valid column name",
        "een opgegeven kolom is geen geldige kolomnaam",
    ),
    "DATASET_COLUMN_MISSING": (
        "a declared column is not in the dataset",
        "een opgegeven kolom staat niet in de dataset",
    ),
    "DATASET_LABELS": (
        "the labels option is not auto, complete or selective",
        "de optie labels is niet auto, complete of selective",
    ),
    "DATASET_TOO_COMPLEX": (
        "the dataset's structure is too large",
        "de opbouw van de dataset is te groot",
    ),
    "DATASET_TOO_LARGE": (
        "reading the dataset needs more memory than allowed",
        "het lezen van de dataset vraagt meer geheugen dan toegestaan",
    ),
    "DATASET_TIMEOUT": (
        "reading the dataset took too long",
        "het lezen van de dataset duurde te lang",
    ),
    "DATASET_TOO_MANY_GROUPS": ("more groups than allowed", "meer groepen dan toegestaan"),
    "DATASET_TOO_MANY_LEVELS": (
        "a feature has too many distinct values",
        "een kenmerk heeft te veel verschillende waarden",
    ),
    "DATASET_BACKEND": ("unknown dataset backend", "onbekende datasetmotor"),
    "SPARK_NOT_INSTALLED": (
        "the Spark backend is not installed",
        "de Spark-motor is niet geïnstalleerd",
    ),
    # norms, profiles, catalogues, norm tests
    "NORM_INVALID": ("invalid norm files", "ongeldige normbestanden"),
    "NORMS_NOT_FOUND": ("norm path not found", "normpad niet gevonden"),
    "NORMS_CHANGED": (
        "the norm files changed during the run",
        "de normbestanden veranderden tijdens de run",
    ),
    "UNKNOWN_NORM": ("unknown norm", "onbekende norm"),
    "PROFILE_UNKNOWN": ("unknown profile", "onbekend profiel"),
    "PROFILE_INVALID": ("invalid profile", "ongeldig profiel"),
    "CATALOGUE_DIR": ("catalogue folder not found", "map met kaders niet gevonden"),
    "CATALOGUE_INVALID": ("invalid catalogue file", "ongeldig kaderbestand"),
    "CATALOGUE_UNKNOWN": ("unknown catalogue", "onbekend kader"),
    "ROLLUP_INVALID": ("invalid roll-up rule", "ongeldige samenvattingsregel"),
    "FACT_CHECKS_INVALID": (
        "invalid verified-facts rule file",
        "ongeldig bestand met feitencontroles",
    ),
    "IMPORT_SOURCE": (
        "the upstream source is not a usable folder",
        "de bron is geen bruikbare map",
    ),
    "IMPORT_FORM": ("unknown upstream form", "onbekende bronvorm"),
    "IMPORT_AMBIGUOUS": ("several upstream snapshots found", "meerdere bronversies gevonden"),
    "IMPORT_NO_FRONT_MATTER": (
        "an upstream page without front matter",
        "een bronpagina zonder front matter",
    ),
    "IMPORT_FILE_TOO_LARGE": (
        "an upstream file that is too large",
        "een bronbestand dat te groot is",
    ),
    "IMPORT_VERSION": (
        "unknown upstream version; pass --version",
        "onbekende bronversie; geef --version op",
    ),
    "NORMTEST_INVALID": ("invalid norm test file", "ongeldig normtestbestand"),
    "NORMTEST_NONE": ("no norm tests found", "geen normtests gevonden"),
    "NORMTEST_NO_LIBRARY": ("no norm library found", "geen normbibliotheek gevonden"),
    "NORMTEST_PATH": ("norm test path not found", "normtestpad niet gevonden"),
    # audit inputs
    "WAIVER_INVALID": ("invalid waiver file", "ongeldig vrijstellingenbestand"),
    "WAIVER_POLICY_INVALID": ("invalid waiver policy", "ongeldig vrijstellingsbeleid"),
    "ASSESSMENT_INVALID": ("invalid judgements file", "ongeldig bestand met oordelen"),
    "WAIVER_NOTHING_TO_SIGN": (
        "no waiver left to sign with this key",
        "geen vrijstelling meer om met deze sleutel te ondertekenen",
    ),
    "WAIVER_SELF_APPROVAL": (
        "a key may not approve its own waiver",
        "een sleutel mag de eigen vrijstelling niet goedkeuren",
    ),
    "WAIVER_ALREADY_SIGNED": (
        "the waiver already carries this key's signature",
        "de vrijstelling draagt al de handtekening van deze sleutel",
    ),
    "ROLE_NOT_ALLOWED": (
        "the key does not have the role needed",
        "de sleutel heeft niet de benodigde rol",
    ),
    # workspace (audit ledger)
    "WORKSPACE_MISSING": ("no audit workspace here", "hier is geen toetsingswerkmap"),
    "LEDGER_MISSING": ("the workspace has no ledger", "de werkmap heeft geen logboek"),
    "LEDGER_INVALID": (
        "the ledger cannot be read or is damaged",
        "het logboek is niet te lezen of beschadigd",
    ),
    "LEDGER_UNAVAILABLE": (
        "the PostgreSQL ledger cannot be used",
        "het PostgreSQL-logboek is niet te gebruiken",
    ),
    "AUDIT_CONFIG_INVALID": (
        "the audit workspace settings are invalid",
        "de instellingen van de toetsingswerkmap zijn ongeldig",
    ),
    "LEDGER_BROKEN": (
        "the ledger is not intact",
        "het logboek is niet intact",
    ),
    "LEDGER_CONTENT_CHANGED": (
        "a file the ledger records is missing or changed",
        "een bestand dat het logboek vastlegt ontbreekt of is gewijzigd",
    ),
    "XLSX_UNAVAILABLE": (
        "the spreadsheet export needs openpyxl",
        "de spreadsheet-export heeft openpyxl nodig",
    ),
    "LEDGER_NETWORK_FS": (
        "the ledger lies on a network file system",
        "het logboek staat op een netwerkbestandssysteem",
    ),
    "REGISTER_INVALID": (
        "the Algoritmeregister export cannot be read",
        "de export van het Algoritmeregister is niet te lezen",
    ),
    "REGISTER_TOO_LARGE": (
        "the Algoritmeregister export is larger than allowed",
        "de export van het Algoritmeregister is groter dan toegestaan",
    ),
    # command line and outputs
    "USAGE": ("invalid command or option", "ongeldige opdracht of optie"),
    "OUTPUT_EXISTS": (
        "the output already exists; it is not overwritten",
        "de uitvoer bestaat al; die wordt niet overschreven",
    ),
    "OUTPUT_INVALID": (
        "the output cannot be written there",
        "de uitvoer kan daar niet worden geschreven",
    ),
    "PDF_UNAVAILABLE": (
        "no PDF: headless Chromium is missing or failed",
        "geen PDF: headless Chromium ontbreekt of faalde",
    ),
    "INTERRUPTED": ("interrupted", "onderbroken"),
    "INTERNAL": (
        "an internal error (a bug in normenkader)",
        "een interne fout (een fout in normenkader)",
    ),
}

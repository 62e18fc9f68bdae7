// The IntelPT stage of the pipeline (see DESIGN.md). Its types live in the other files of this folder.

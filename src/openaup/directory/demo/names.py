"""Names for the demo district: given names and family names by heritage, as a US district's
roster mixes them. Every name here is common; no combination stands for a real person."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HERITAGES", "NICKNAMES", "Heritage"]


@dataclass(frozen=True, slots=True)
class Heritage:
    """Names that go together in a family, and how often such a family speaks Spanish at
    home (and asks for notices in Spanish)."""

    key: str
    weight: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    spanish_at_home: float = 0.0


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


HERITAGES: tuple[Heritage, ...] = (
    Heritage(
        key="general",
        weight=44,
        female=_split(
            """Emma Olivia Ava Sophia Isabella Charlotte Amelia Harper Evelyn Abigail Emily
            Elizabeth Ella Avery Scarlett Grace Chloe Lily Hannah Nora Riley Zoey Stella
            Hazel Ellie Paisley Audrey Claire Violet Lucy Anna Caroline Madison Natalie
            Sarah Rachel Megan Jennifer Laura Katherine Rebecca Julia Molly Quinn Morgan"""
        ),
        male=_split(
            """Liam Noah Oliver William Elijah James Benjamin Lucas Henry Alexander Mason
            Michael Ethan Daniel Jacob Logan Jackson Levi Sebastian Jack Owen Samuel Wyatt
            John David Joseph Carter Luke Dylan Grayson Isaac Gabriel Andrew Thomas Ryan
            Nathan Caleb Christopher Matthew Joshua Patrick Connor Evan Riley Cameron"""
        ),
        family=_split(
            """Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas
            Moore Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King
            Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner
            Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers
            Morgan Cooper Peterson Bailey Reed Kelly Howard Cox Ward Richardson Watson Brooks
            Wood Bennett Gray Hughes Price Sanders Myers Long Ross Foster Powell Jenkins
            Perry Russell Sullivan Bell Coleman Butler Barnes Fisher Henderson Graham
            Hayes Kowalski Novak Schmidt Fischer Weber Becker Olsen Larsen Lindqvist
            O'Brien O'Connor McCarthy Byrne Rossi Russo Romano Costa Marino Dubois Moreau
            Laurent Petrov Ivanova Kaminski Horvath"""
        ),
    ),
    Heritage(
        key="hispanic",
        weight=26,
        female=_split(
            """Sofía Valentina Camila Isabella Lucía María Gabriela Daniela Mariana Ximena
            Valeria Natalia Renata Fernanda Andrea Paola Alejandra Carolina Adriana Elena
            Guadalupe Rosa Ana Juana Marisol Yesenia Leticia Esperanza Luz Catalina Jimena
            Itzel Abril Regina Paula Victoria Beatriz Carmen Silvia Teresa"""
        ),
        male=_split(
            """Mateo Santiago Sebastián Leonardo Matías Diego Emiliano Daniel Alejandro Nicolás
            Gael Ángel David Samuel Adrián Tomás Joaquín Gabriel Benjamín Lucas Miguel José
            Juan Carlos Luis Jorge Eduardo Fernando Ricardo Rafael Javier Andrés Manuel
            Héctor Iván Óscar Pablo Francisco Alonso Rodrigo"""
        ),
        family=_split(
            """García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres
            Flores Rivera Gómez Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Ruiz
            Álvarez Mendoza Castillo Jiménez Vásquez Moreno Romero Herrera Medina Aguilar
            Vargas Castro Guzmán Fernández Salazar Soto Delgado Peña Ríos Navarro Contreras
            Sandoval Domínguez Guerrero Figueroa Estrada Cortés Ibarra Cabrera Espinoza
            Valdez Fuentes Orozco Zamora Campos Beltrán Acosta Molina Serrano"""
        ),
        spanish_at_home=0.55,
    ),
    Heritage(
        key="african_american",
        weight=12,
        female=_split(
            """Aaliyah Imani Nia Zuri Jada Kayla Maya Aria Destiny Jasmine Brianna Kennedy
            Amara Ayanna Tiana Makayla Naomi Janelle Alexis Danielle Simone Monique Keisha
            Tamika Latoya Ebony Alicia Denise"""
        ),
        male=_split(
            """Jaylen Malik Isaiah Elijah Jalen Xavier Darius Andre Marcus Terrence Jordan
            Josiah Micah Kendrick Tyrone Jamal Devin Cedric Dwayne Reginald Bryce
            Kofi Omari Trevon Desmond Darnell Kwame"""
        ),
        family=_split(
            """Washington Jefferson Jackson Johnson Williams Brown Jones Davis Harris Robinson
            Lewis Walker Young Allen Wright Coleman Jenkins Bell Butler Simmons Bryant
            Alexander Griffin Hayes Myers Ford Hamilton Graham Wallace Woods Cole West
            Jordan Owens Reynolds Ellis Harrison Gibson Marshall Freeman Wells Webb Tucker
            Porter Hunter Hicks Crawford Boyd Mason Warren Dixon Ramsey Banks Mensah Okafor
            Adeyemi Boateng"""
        ),
    ),
    Heritage(
        key="east_asian",
        weight=7,
        female=_split(
            """Mei Lin Hana Yuna Jiwoo Seo-yeon Mai Linh Thu Anh Yuki Sakura Xinyi Jing Wen
            Hyun Min-ji Ha-eun Chloe Grace Emily Vivian Angela"""
        ),
        male=_split(
            """Wei Jun Hao Ming Kenji Haruto Ren Minjun Seo-jun Ji-ho Minh Duc Quang Bao
            Tuan Hiroshi Kai Daniel Ryan Kevin Eric Justin"""
        ),
        family=_split(
            """Nguyen Tran Le Pham Huynh Vo Dang Bui Do Ngo Chen Wang Li Zhang Liu Yang
            Huang Zhao Wu Zhou Lin Kim Lee Park Choi Jung Kang Cho Yoon Tanaka Suzuki
            Takahashi Watanabe Yamamoto Nakamura Sato Ito"""
        ),
    ),
    Heritage(
        key="south_asian",
        weight=5,
        female=_split(
            """Aanya Diya Priya Ananya Saanvi Isha Kavya Meera Riya Anika Nisha Pooja Sana
            Aditi Shreya Tara Lakshmi Divya"""
        ),
        male=_split(
            """Arjun Aarav Vihaan Rohan Aditya Krishna Dev Ishaan Kabir Rahul Sanjay Vikram
            Amit Raj Nikhil Arnav Farhan Imran"""
        ),
        family=_split(
            """Patel Shah Singh Kumar Sharma Gupta Reddy Rao Iyer Desai Mehta Joshi Nair
            Chowdhury Das Bose Kapoor Malhotra Khan Hussain Ahmed Verma Pillai Menon"""
        ),
    ),
    Heritage(
        key="middle_eastern_african",
        weight=6,
        female=_split(
            """Layla Fatima Aisha Maryam Noor Zainab Amira Yasmin Hana Salma Leila Rania
            Hodan Amina Ifrah Sahra Ayan Hibo Mariam Dina"""
        ),
        male=_split(
            """Omar Ali Yusuf Ibrahim Hassan Ahmed Khalid Karim Tariq Samir Bilal Hamza
            Abdi Mohamed Abdirahman Liban Mustafa Nabil Rami Zaid"""
        ),
        family=_split(
            """Haddad Khoury Nasser Saleh Mansour Aziz Rahman Farah Hassan Abdullah Yousef
            Karimi Ahmadi Hosseini Rahimi Tehrani Warsame Abdi Jama Osman Mohamed Hussein
            Ali Farah Yilmaz Demir Kaya Sahin"""
        ),
    ),
)

#: Given names that often come with a preferred, shorter name.
NICKNAMES: dict[str, str] = {
    "Alexander": "Alex",
    "Alejandro": "Alex",
    "Benjamin": "Ben",
    "Christopher": "Chris",
    "Daniel": "Dan",
    "Elizabeth": "Liz",
    "Francisco": "Paco",
    "Gabriela": "Gabi",
    "Guadalupe": "Lupe",
    "Jacob": "Jake",
    "Jennifer": "Jen",
    "Joseph": "Joe",
    "Joshua": "Josh",
    "Katherine": "Kate",
    "Matthew": "Matt",
    "Mateo": "Teo",
    "Michael": "Mike",
    "Nathan": "Nate",
    "Nicolás": "Nico",
    "Rebecca": "Becca",
    "Samuel": "Sam",
    "Sebastián": "Sebas",
    "Sebastian": "Seb",
    "Valentina": "Vale",
    "Victoria": "Tori",
    "William": "Will",
    "Abdirahman": "Abdi",
}
